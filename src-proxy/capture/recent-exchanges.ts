/**
 * The last captured exchanges in memory, bounded by count and bytes, so the
 * inspector can open a row the moment it appears — before the history writer
 * has committed it, and even with history switched off.
 */
import type { CapturedExchange } from './captured-exchange.js';

export class RecentExchanges {
  private readonly byId = new Map<string, { record: CapturedExchange; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly maxCount = 5000,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  add(record: CapturedExchange): void {
    const bytes = 1024 + (record.requestBody.bytes?.byteLength ?? 0) + (record.responseBody.bytes?.byteLength ?? 0);
    this.byId.set(record.id, { record, bytes });
    this.bytes += bytes;
    // Map iteration order is insertion order: the first entries are the oldest.
    for (const [id, entry] of this.byId) {
      if (this.byId.size <= this.maxCount && this.bytes <= this.maxBytes) break;
      this.byId.delete(id);
      this.bytes -= entry.bytes;
    }
  }

  get(id: string): CapturedExchange | undefined {
    return this.byId.get(id)?.record;
  }

  delete(ids: readonly string[]): void {
    for (const id of ids) {
      const entry = this.byId.get(id);
      if (entry) {
        this.byId.delete(id);
        this.bytes -= entry.bytes;
      }
    }
  }

  clear(): void {
    this.byId.clear();
    this.bytes = 0;
  }
}
