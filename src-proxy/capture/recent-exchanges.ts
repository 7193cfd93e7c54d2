/**
 * The last captured exchanges in memory, bounded by count and bytes, so the
 * inspector can open a row the moment it appears — before the history writer
 * has committed it, and even with history switched off.
 */
import type { CapturedExchange } from './captured-exchange.js';

export class RecentExchanges {
  /** Records by id, in insertion order (a Map keeps it). */
  private readonly byId = new Map<string, CapturedExchange>();
  /** Ids oldest first, as a ring: evicting never walks the map (deleted Map slots make iteration slow). */
  private order: string[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxCount = 2000,
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  add(record: CapturedExchange): void {
    this.byId.set(record.id, record);
    this.order.push(record.id);
    this.bytes += sizeOf(record);
    while (this.byId.size > this.maxCount || this.bytes > this.maxBytes) this.evict(this.order[this.head++]);
    // Compact the ring once its dead prefix is as long as the live part.
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  get(id: string): CapturedExchange | undefined {
    return this.byId.get(id);
  }

  /** Every cached record, oldest first. */
  records(): IterableIterator<CapturedExchange> {
    return this.byId.values();
  }

  delete(ids: readonly string[]): void {
    for (const id of ids) this.evict(id);
  }

  clear(): void {
    this.byId.clear();
    this.order = [];
    this.head = 0;
    this.bytes = 0;
  }

  private evict(id: string): void {
    const record = this.byId.get(id);
    if (record === undefined) return;
    this.byId.delete(id);
    this.bytes -= sizeOf(record);
  }
}

/** What a record counts against maxBytes: its bodies and a flat 1 KiB for the rest. */
function sizeOf(record: CapturedExchange): number {
  return 1024 + (record.requestBody.bytes?.byteLength ?? 0) + (record.responseBody.bytes?.byteLength ?? 0);
}
