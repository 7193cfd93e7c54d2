/**
 * The last captured exchanges in memory, bounded by count and bytes, so the
 * inspector can open a row the moment it appears — before the history writer
 * has committed it, and even with history switched off.
 */
import type { CapturedExchange } from './captured-exchange.js';

export class RecentExchanges {
  private readonly byId = new Map<string, { record: CapturedExchange; bytes: number }>();
  /** Ids oldest first, as a ring: evicting never walks the map (deleted Map slots make iteration slow). */
  private order: string[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxCount = 2000,
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  add(record: CapturedExchange): void {
    const bytes = 1024 + (record.requestBody.bytes?.byteLength ?? 0) + (record.responseBody.bytes?.byteLength ?? 0);
    this.byId.set(record.id, { record, bytes });
    this.order.push(record.id);
    this.bytes += bytes;
    while (this.byId.size > this.maxCount || this.bytes > this.maxBytes) {
      const id = this.order[this.head++];
      const entry = this.byId.get(id);
      if (entry) {
        this.byId.delete(id);
        this.bytes -= entry.bytes;
      }
    }
    // Compact the ring once its dead prefix is as long as the live part.
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  get(id: string): CapturedExchange | undefined {
    return this.byId.get(id)?.record;
  }

  /** Every cached record, oldest first. */
  *records(): IterableIterator<CapturedExchange> {
    for (const entry of this.byId.values()) yield entry.record;
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
    this.order = [];
    this.head = 0;
    this.bytes = 0;
  }
}
