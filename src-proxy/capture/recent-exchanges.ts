/**
 * The last captured exchanges in memory, bounded by count and bytes, so the
 * inspector can open a row the moment it appears — before the history writer
 * has committed it, and even with history switched off.
 */
import type { CapturedExchange } from './captured-exchange.js';

export class RecentExchanges {
  /** Records oldest first from `head`; a deleted one leaves a hole. */
  private list: (CapturedExchange | undefined)[] = [];
  private head = 0;
  private count = 0;
  private bytes = 0;
  /**
   * id → record, built by the first lookup after a change. Adding happens for
   * every exchange and lookups when someone opens one: a Map kept up to date
   * cost a set and a delete per exchange on the gateway's thread.
   */
  private index: Map<string, CapturedExchange> | null = null;

  constructor(
    private readonly maxCount = 2000,
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  add(record: CapturedExchange): void {
    this.list.push(record);
    this.count++;
    this.bytes += sizeOf(record);
    this.index = null;
    while (this.count > this.maxCount || this.bytes > this.maxBytes) this.drop(this.head++);
    // Compact once the dropped prefix is as long as the live part.
    if (this.head > 1024 && this.head * 2 > this.list.length) {
      this.list = this.list.slice(this.head);
      this.head = 0;
    }
  }

  get(id: string): CapturedExchange | undefined {
    if (this.index === null) {
      this.index = new Map();
      for (const record of this.records()) this.index.set(record.id, record);
    }
    return this.index.get(id);
  }

  /** Every cached record, oldest first. */
  *records(): IterableIterator<CapturedExchange> {
    for (let i = this.head; i < this.list.length; i++) {
      const record = this.list[i];
      if (record !== undefined) yield record;
    }
  }

  delete(ids: readonly string[]): void {
    const wanted = new Set(ids);
    for (let i = this.head; i < this.list.length; i++) if (wanted.has(this.list[i]?.id ?? '')) this.drop(i);
  }

  clear(): void {
    this.list = [];
    this.head = 0;
    this.count = 0;
    this.bytes = 0;
    this.index = null;
  }

  private drop(i: number): void {
    const record = this.list[i];
    if (record === undefined) return;
    this.list[i] = undefined;
    this.count--;
    this.bytes -= sizeOf(record);
    this.index = null;
  }
}

/** What a record counts against maxBytes: its bodies and a flat 1 KiB for the rest. */
function sizeOf(record: CapturedExchange): number {
  return 1024 + (record.requestBody.bytes?.byteLength ?? 0) + (record.responseBody.bytes?.byteLength ?? 0);
}
