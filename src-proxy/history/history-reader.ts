/**
 * Asynchronous history reads for the control API, served by a worker thread
 * (history-reader-worker.ts) on its own SQLite connection, so that no query
 * ever blocks the proxy. Errors come back as the same classes the store
 * throws (QuerySyntaxError with its position, InvalidCursorError).
 */
import type { Worker } from 'node:worker_threads';
import { InvalidCursorError } from './cursor.js';
import type { HistoryStore } from './history-store.js';
import { QuerySyntaxError } from './query-language.js';
import { launchWorker, workerError } from './worker-launch.js';

type StoreMethod = 'search' | 'count' | 'get' | 'delete' | 'clear' | 'stats';

export interface ReaderRequest {
  id: number;
  method: StoreMethod | 'close';
  args: unknown[];
}

export type ReaderResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; position?: number; length?: number } };

export class HistoryReader {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: ReaderResponse) => {
      const waiter = this.pending.get(m.id);
      if (!waiter) return;
      this.pending.delete(m.id);
      if (m.ok) waiter.resolve(m.value);
      else waiter.reject(rebuildError(m.error));
      if (this.pending.size === 0) worker.unref();
    });
    worker.on('error', (err) => this.failAll(workerError(err)));
    worker.on('exit', () => this.failAll(new Error('the history reader stopped')));
    worker.unref();
  }

  static start(file: string): HistoryReader {
    return new HistoryReader(launchWorker('history-reader-worker', { file }));
  }

  private call<T>(method: ReaderRequest['method'], args: unknown[]): Promise<T> {
    const id = this.nextId++;
    this.worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args } satisfies ReaderRequest);
    });
  }

  private failAll(err: Error): void {
    for (const w of this.pending.values()) w.reject(err);
    this.pending.clear();
  }

  search(...args: Parameters<HistoryStore['search']>): Promise<ReturnType<HistoryStore['search']>> {
    return this.call('search', args);
  }
  count(...args: Parameters<HistoryStore['count']>): Promise<number> {
    return this.call('count', args);
  }
  get(...args: Parameters<HistoryStore['get']>): Promise<ReturnType<HistoryStore['get']>> {
    return this.call('get', args);
  }
  delete(...args: Parameters<HistoryStore['delete']>): Promise<number> {
    return this.call('delete', args);
  }
  clear(): Promise<number> {
    return this.call('clear', []);
  }
  stats(): Promise<ReturnType<HistoryStore['stats']>> {
    return this.call('stats', []);
  }

  private closing: Promise<void> | null = null;

  /** Closes the connection and the thread; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.call('close', []).catch(() => undefined);
      await this.worker.terminate();
    })();
    return this.closing;
  }
}

function rebuildError(e: { name: string; message: string; position?: number; length?: number }): Error {
  if (e.name === 'QuerySyntaxError') return new QuerySyntaxError(e.message, e.position ?? 0, e.length ?? 1);
  if (e.name === 'InvalidCursorError') return new InvalidCursorError();
  return Object.assign(new Error(e.message), { name: e.name });
}
