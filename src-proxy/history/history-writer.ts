/**
 * The main-thread side of history writes: a bounded queue that never blocks
 * the request path. `enqueue` only appends (no I/O, no await); a timer (every
 * `batchIntervalMs`) or a full batch (`batchSize`) packs the queue into a
 * batch message for the worker, which commits each batch in one transaction.
 *
 * Back-pressure, when the disk cannot keep up:
 * 1. queued + in-flight bytes over `maxQueueBytes`, or more than
 *    `maxPendingBatches` batches unacknowledged → new records keep their
 *    metadata but lose their body bytes (`droppedBodies`, and the stored row
 *    says `bodiesDropped`);
 * 2. over `hardMaxQueueBytes` or `hardMaxPendingBatches` → new records are
 *    dropped whole (`droppedRecords`).
 *
 * Body bytes are referenced, not copied, until the batch is packed (at most
 * `batchIntervalMs` later): callers must not mutate them after `enqueue`.
 */
import type { Worker } from 'node:worker_threads';
import type { CapturedExchange } from '../capture/captured-exchange.js';
import { metadataBytes, packBatch, payloadBytes, type QueuedRecord } from './batch-codec.js';
import type { RetentionLimits, WriterStats } from './types.js';
import { launchHistoryWorker, workerError } from './worker-launch.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

export interface HistoryWriterOptions {
  /** The database file (`<dataDir>/history.db`). */
  file: string;
  batchIntervalMs?: number;
  batchSize?: number;
  /** Soft limit: above it bodies are dropped. Default 64 MiB. */
  maxQueueBytes?: number;
  /** Hard limit: above it whole records are dropped. Default 2 × maxQueueBytes. */
  hardMaxQueueBytes?: number;
  /** Worker behind by this many batches → bodies dropped. Default 20 (2 s at the default interval). */
  maxPendingBatches?: number;
  /** Worker behind by this many batches → records dropped. Default 10 × maxPendingBatches. */
  hardMaxPendingBatches?: number;
  retention?: RetentionLimits;
  /** How often the worker applies retention (after batches, and on an idle timer). Default 1000 ms. */
  retentionIntervalMs?: number;
  retentionChunkSize?: number;
  /** Rows the worker adds to the FTS index per step when no batch is waiting. Default 64. */
  ftsChunkRows?: number;
  busyTimeoutMs?: number;
  /** A WAL checkpoint starts once this much may be waiting in it. Default 4 MiB. */
  checkpointStartBytes?: number;
  /** Past this WAL size the writer thread checkpoints itself (bounds the -wal file under sustained load). Default 128 MiB. */
  maxWalBytes?: number;
  /** Checkpoints on a thread of their own (default true; false for tests of the fallback). */
  checkpointThread?: boolean;
  /** Batch failures and worker warnings (the writer keeps going). */
  onError?: (err: Error) => void;
}

interface Waiter {
  batchId: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

type State = 'open' | 'closing' | 'closed' | 'failed';

export class HistoryWriter {
  private readonly worker: Worker;
  private readonly batchIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxQueueBytes: number;
  private readonly hardMaxQueueBytes: number;
  private readonly maxPendingBatches: number;
  private readonly hardMaxPendingBatches: number;
  private readonly onError: (err: Error) => void;

  private state: State = 'open';
  private queue: QueuedRecord[] = [];
  private queueBytes = 0;
  private readonly inFlight = new Map<number, { count: number; bytes: number }>();
  private inFlightBytes = 0;
  private nextBatchId = 1;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private waiters: Waiter[] = [];
  private retentionWaiters = new Map<number, (r: { deleted: number; reclaimedPages: number }) => void>();
  private indexWaiters = new Map<number, () => void>();
  private nextRequestId = 1;
  private closing: Promise<void> | null = null;
  private closedSignal: (() => void) | null = null;
  private refd = true;

  private counters = { enqueued: 0, written: 0, droppedBodies: 0, droppedRecords: 0, failedRecords: 0, retentionDeleted: 0 };
  private lastError: string | null = null;

  /** Starts the worker and resolves once it has opened the database. */
  static async start(options: HistoryWriterOptions): Promise<HistoryWriter> {
    const writer = new HistoryWriter(options);
    await writer.ready;
    return writer;
  }

  private readonly ready: Promise<void>;

  private constructor(options: HistoryWriterOptions) {
    this.batchIntervalMs = options.batchIntervalMs ?? 100;
    this.batchSize = Math.max(1, options.batchSize ?? 500);
    this.maxQueueBytes = options.maxQueueBytes ?? 64 * 1024 * 1024;
    this.hardMaxQueueBytes = options.hardMaxQueueBytes ?? 2 * this.maxQueueBytes;
    this.maxPendingBatches = options.maxPendingBatches ?? 20;
    this.hardMaxPendingBatches = options.hardMaxPendingBatches ?? 10 * this.maxPendingBatches;
    this.onError = options.onError ?? (() => {});
    this.worker = launchHistoryWorker({
      file: options.file,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      retention: options.retention,
      retentionIntervalMs: options.retentionIntervalMs ?? 1000,
      retentionChunkSize: options.retentionChunkSize ?? 2000,
      ftsChunkRows: options.ftsChunkRows ?? 64,
      checkpointStartBytes: options.checkpointStartBytes ?? 4 * 1024 * 1024,
      maxWalBytes: options.maxWalBytes ?? 128 * 1024 * 1024,
      checkpointThread: options.checkpointThread ?? true,
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const onReady = (m: FromWorker): void => {
        if (m.type === 'ready') {
          this.worker.off('message', onReady);
          this.worker.off('error', onStartError);
          this.worker.off('exit', onStartExit);
          this.updateRef();
          resolve();
        } else if (m.type === 'fatal') {
          reject(new Error(m.message));
        }
      };
      const onStartError = (err: unknown): void => reject(workerError(err));
      // A worker that ends without an error (terminated, process.exit in a dependency) would leave start() waiting forever.
      const onStartExit = (code: number): void => reject(new Error(`history worker exited before opening the database (code ${code})`));
      this.worker.on('message', onReady);
      this.worker.once('error', onStartError);
      this.worker.once('exit', onStartExit);
    });
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (this.state === 'closing' || this.state === 'closed') {
        this.state = 'closed';
        this.closedSignal?.();
      } else {
        this.fail(new Error(`history worker exited unexpectedly (code ${code})`));
      }
    });
    // Until ready, failures surface through `start`.
    this.ready.catch(() => {});
  }

  /** Queues a record; never blocks. Returns false when the record was dropped whole. */
  enqueue(record: CapturedExchange): boolean {
    if (this.state !== 'open') {
      this.counters.droppedRecords++;
      return false;
    }
    const meta = metadataBytes(record);
    const payload = payloadBytes(record);
    const load = this.queueBytes + this.inFlightBytes;
    const behind = this.inFlight.size;
    if (load + meta > this.hardMaxQueueBytes || behind >= this.hardMaxPendingBatches) {
      this.counters.droppedRecords++;
      return false;
    }
    let dropBodies = false;
    if (payload > 0 && (load + meta + payload > this.maxQueueBytes || behind >= this.maxPendingBatches)) {
      dropBodies = true;
      this.counters.droppedBodies++;
    }
    const bytes = meta + (dropBodies ? 0 : payload);
    this.queue.push({ record, dropBodies, bytes });
    this.queueBytes += bytes;
    this.counters.enqueued++;
    if (this.queue.length >= this.batchSize) {
      this.immediate ??= setImmediate(() => {
        this.immediate = null;
        this.postQueued();
      });
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.postQueued();
      }, this.batchIntervalMs);
    }
    return true;
  }

  /**
   * For bulk loads (HAR imports) that must not lose anything: waits for the
   * worker to catch up until the queue has room for the whole record, instead
   * of dropping its body or the record. Resolves with what `enqueue` did.
   *
   * A bulk load fills only half the queue (bytes and batches): the other half
   * is live capture's, which sheds bodies past the limits. Filling it all kept
   * the queue at the limit for the whole import, so live exchanges captured
   * meanwhile lost their bodies (1,513 of 1,665 during a 20,000-entry import).
   */
  async enqueueWaiting(record: CapturedExchange): Promise<'stored' | 'withoutBody' | 'dropped'> {
    const need = metadataBytes(record) + payloadBytes(record);
    const maxBytes = this.maxQueueBytes / 2;
    const maxBatches = Math.max(1, Math.floor(this.maxPendingBatches / 2));
    while (
      this.state === 'open' &&
      (this.queue.length > 0 || this.inFlight.size > 0) &&
      // Queued records count as the batches they will be posted as (a flush posts them all at once).
      (this.queueBytes + this.inFlightBytes + need > maxBytes || this.inFlight.size + Math.ceil((this.queue.length + 1) / this.batchSize) > maxBatches)
    ) {
      await this.flush().catch(() => undefined);
    }
    const bodiesDropped = this.counters.droppedBodies;
    if (!this.enqueue(record)) return 'dropped';
    return this.counters.droppedBodies === bodiesDropped ? 'stored' : 'withoutBody';
  }

  stats(): WriterStats {
    return {
      ...this.counters,
      pendingBatches: this.inFlight.size,
      queuedRecords: this.queue.length,
      queuedBytes: this.queueBytes + this.inFlightBytes,
      lastError: this.lastError,
    };
  }

  /**
   * Resolves when everything enqueued so far is committed (or has failed);
   * with `index: true`, also searchable by free text (the FTS index normally
   * trails the writes by a moment).
   */
  async flush(options: { index?: boolean } = {}): Promise<void> {
    this.postQueued();
    if (this.inFlight.size > 0) {
      const batchId = this.nextBatchId - 1;
      await new Promise<void>((resolve, reject) => {
        this.waiters.push({ batchId, resolve, reject });
        this.updateRef();
      });
    }
    if (options.index === true && this.state === 'open') {
      const requestId = this.nextRequestId++;
      await new Promise<void>((resolve) => {
        this.indexWaiters.set(requestId, resolve);
        this.updateRef();
        this.post({ type: 'index', requestId });
      });
    }
  }

  /** Flushes, closes the worker's connection and stops the thread. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.state === 'open') {
        try {
          await this.flush();
        } catch {
          // already reported through lastError / onError
        }
      }
      if (this.state === 'failed' || this.state === 'closed') {
        await this.worker.terminate();
        this.state = 'closed';
        return;
      }
      // From here on records are refused; those that arrived during the flush go before 'close'.
      this.state = 'closing';
      this.postQueued();
      const exited = new Promise<void>((resolve) => (this.closedSignal = resolve));
      this.worker.ref();
      this.post({ type: 'close' });
      const timeout = setTimeout(() => void this.worker.terminate(), 10_000);
      await exited;
      clearTimeout(timeout);
    })();
    return this.closing;
  }

  /** Runs retention now (normally the worker does it on its own schedule). */
  runRetention(): Promise<{ deleted: number; reclaimedPages: number }> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve) => {
      this.retentionWaiters.set(requestId, resolve);
      this.updateRef();
      this.post({ type: 'retention', requestId });
    });
  }

  /** Test hook: blocks the worker thread for `ms`, as a stalled disk would. */
  stallWorkerForTest(ms: number): void {
    this.post({ type: 'stall', ms });
  }

  private post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(m, transfer);
  }

  private postQueued(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.queue.length === 0 || (this.state !== 'open' && this.state !== 'closing')) return;
    const queue = this.queue;
    this.queue = [];
    this.queueBytes = 0;
    for (let start = 0; start < queue.length; start += this.batchSize) {
      const slice = queue.slice(start, start + this.batchSize);
      let bytes = 0;
      for (const q of slice) bytes += q.bytes;
      const batchId = this.nextBatchId++;
      const message = packBatch(batchId, slice);
      this.inFlight.set(batchId, { count: slice.length, bytes });
      this.inFlightBytes += bytes;
      this.post(message, [message.buffer]);
    }
    this.updateRef();
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'written':
      case 'failed': {
        const batch = this.inFlight.get(m.batchId);
        if (batch !== undefined) {
          this.inFlight.delete(m.batchId);
          this.inFlightBytes -= batch.bytes;
        }
        if (m.type === 'written') this.counters.written += m.count;
        else {
          this.counters.failedRecords += m.count;
          this.report(new Error(`history batch of ${m.count} failed: ${m.message}`));
        }
        this.settleWaiters();
        break;
      }
      case 'retention': {
        this.counters.retentionDeleted += m.deleted;
        const waiter = this.retentionWaiters.get(m.requestId);
        if (waiter !== undefined) {
          this.retentionWaiters.delete(m.requestId);
          waiter({ deleted: m.deleted, reclaimedPages: m.reclaimedPages });
        }
        break;
      }
      case 'indexed': {
        const waiter = this.indexWaiters.get(m.requestId);
        this.indexWaiters.delete(m.requestId);
        waiter?.();
        break;
      }
      case 'warning':
        this.report(new Error(m.message));
        break;
      case 'fatal':
        this.fail(new Error(m.message));
        break;
      case 'ready':
      case 'closed':
        break;
    }
    this.updateRef();
  }

  private settleWaiters(): void {
    // Batches are acknowledged in order, so every batch up to the oldest in flight is done.
    let oldest = Number.POSITIVE_INFINITY;
    for (const id of this.inFlight.keys()) oldest = Math.min(oldest, id);
    const done = this.waiters.filter((w) => w.batchId < oldest);
    if (done.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.batchId >= oldest);
    for (const w of done) w.resolve();
  }

  private report(err: Error): void {
    this.lastError = err.message;
    try {
      this.onError(err);
    } catch {
      // a faulty error handler must not break the writer
    }
  }

  private fail(err: Error): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.state = 'failed';
    this.report(err);
    let lost = this.queue.length;
    for (const b of this.inFlight.values()) lost += b.count;
    this.counters.failedRecords += lost;
    this.queue = [];
    this.queueBytes = 0;
    this.inFlight.clear();
    this.inFlightBytes = 0;
    for (const w of this.waiters) w.reject(err);
    this.waiters = [];
    for (const [, r] of this.retentionWaiters) r({ deleted: 0, reclaimedPages: 0 });
    this.retentionWaiters.clear();
    for (const [, r] of this.indexWaiters) r();
    this.indexWaiters.clear();
    this.closedSignal?.();
  }

  /**
   * The worker keeps the process alive only while there is work in flight or
   * someone awaits it: committed batches are not lost on a natural exit, and an
   * idle history never holds the process open.
   */
  private updateRef(): void {
    const busy = this.inFlight.size > 0 || this.waiters.length > 0 || this.retentionWaiters.size > 0 || this.indexWaiters.size > 0 || this.state === 'closing';
    if (busy && !this.refd) {
      this.worker.ref();
      this.refd = true;
    } else if (!busy && this.refd) {
      this.worker.unref();
      this.refd = false;
    }
  }
}
