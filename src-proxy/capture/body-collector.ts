/**
 * Keeps the first `cap` bytes of a body that streams past, and counts the
 * rest. Chunks are referenced, not copied, until the end (undici and node
 * hand out fresh buffers per chunk), so teeing costs almost nothing.
 */
import type { CapturedBody } from './captured-exchange.js';

export class BodyCollector {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  size = 0;

  constructor(private readonly cap: number) {}

  add(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.kept >= this.cap) return;
    const room = this.cap - this.kept;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }

  /**
   * `truncated` when the cap cut the body, or when the transfer ended before
   * the body did (`cutShort`: an upload the client abandoned, a response the
   * upstream reset): what was kept is then not the whole body, and must not be
   * resent or read as if it were. `size` is what arrived.
   */
  result(contentType: string | null, cutShort = false): CapturedBody {
    if (this.size === 0) return { bytes: null, size: 0, truncated: cutShort, contentType };
    const bytes = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.kept);
    return { bytes, size: this.size, truncated: this.size > this.kept || cutShort, contentType };
  }
}

export const NO_BODY: CapturedBody = Object.freeze({ bytes: null, size: 0, truncated: false, contentType: null });

/** "application/json; charset=utf-8" → "application/json". */
export function mediaType(value: string | string[] | undefined): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  const semi = v.indexOf(';');
  return (semi === -1 ? v : v.slice(0, semi)).trim().toLowerCase() || null;
}
