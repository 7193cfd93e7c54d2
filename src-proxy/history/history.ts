/**
 * History: the writer (batched, off the request thread) and the store (reads)
 * over `<dataDir>/history.db`.
 *
 *   const history = await History.open({ dataDir, retention: { maxRows: 100_000 } });
 *   engine.on(…complete…, (x) => history.record(captured));   // never blocks
 *   history.store.search({ query: 'status:5xx dur>200ms' });
 *   await history.close();
 */
import type { CapturedExchange } from '../capture/captured-exchange.js';
import { historyPath } from './database.js';
import { HistoryReader } from './history-reader.js';
import { HistoryStore, type HistoryStoreOptions } from './history-store.js';
import { HistoryWriter, type HistoryWriterOptions } from './history-writer.js';
import type { HistoryStoreStats, RetentionLimits, WriterStats } from './types.js';

export interface HistoryOptions extends Omit<HistoryWriterOptions, 'file' | 'retention'> {
  dataDir: string;
  retention?: RetentionLimits;
  /** Search tuning for the read side. */
  store?: Omit<HistoryStoreOptions, 'busyTimeoutMs' | 'autoCheckpoint'>;
}

export class History {
  private constructor(
    readonly writer: HistoryWriter,
    /** Synchronous reads on the caller's thread (CLI, tests). */
    readonly store: HistoryStore,
    /** The same reads from a worker thread: what a serving process must use. */
    readonly reader: HistoryReader,
    readonly file: string,
  ) {}

  static async open(options: HistoryOptions): Promise<History> {
    const { dataDir, store: storeOptions, ...writerOptions } = options;
    const file = historyPath(dataDir);
    // The store's connection creates the file and runs migrations before the worker opens it.
    // The writer worker checkpoints the WAL; this connection never does (it runs on the caller's thread).
    const store = HistoryStore.open(file, { ...storeOptions, busyTimeoutMs: options.busyTimeoutMs, autoCheckpoint: false });
    try {
      const writer = await HistoryWriter.start({ ...writerOptions, file });
      return new History(writer, store, HistoryReader.start(file), file);
    } catch (err) {
      store.close();
      throw err;
    }
  }

  /** Queues a captured exchange for writing; never blocks. False when it was dropped whole. */
  record(exchange: CapturedExchange): boolean {
    return this.writer.enqueue(exchange);
  }

  /**
   * Records many exchanges at once (a HAR import) without the live path's
   * load shedding: waits for the writer instead of dropping bodies or records,
   * then for the commit. Counts what still could not be kept whole (a body
   * bigger than the whole queue, a closed writer).
   */
  async recordAll(exchanges: readonly CapturedExchange[]): Promise<{ stored: number; withoutBody: number; dropped: number }> {
    const counts = { stored: 0, withoutBody: 0, dropped: 0 };
    for (const x of exchanges) counts[await this.writer.enqueueWaiting(x)]++;
    await this.writer.flush().catch(() => undefined);
    return counts;
  }

  /** Resolves when everything recorded so far is committed (`index: true`: and searchable by free text). */
  flush(options?: { index?: boolean }): Promise<void> {
    return this.writer.flush(options);
  }

  /**
   * Deletes by ids or query (in the reader's thread), once everything recorded
   * before the call is written: otherwise exchanges still queued would land
   * after the delete and come back.
   */
  async delete(target: Parameters<HistoryStore['delete']>[0]): Promise<number> {
    await this.writer.flush().catch(() => undefined);
    return this.reader.delete(target);
  }

  /** Deletes every exchange recorded before the call, queued ones included. */
  async clear(): Promise<number> {
    await this.writer.flush().catch(() => undefined);
    return this.reader.clear();
  }

  stats(): { writer: WriterStats; store: HistoryStoreStats } {
    return { writer: this.writer.stats(), store: this.store.stats() };
  }

  async close(): Promise<void> {
    try {
      await Promise.all([this.writer.close(), this.reader.close()]);
    } finally {
      this.store.close();
    }
  }
}
