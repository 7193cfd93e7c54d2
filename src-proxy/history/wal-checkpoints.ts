/**
 * When and where the history writer's WAL is checkpointed (its pages copied
 * into the database file, so the WAL can start over).
 *
 * Where: on a thread of its own, with its own connection. With
 * synchronous=NORMAL a checkpoint fsyncs the WAL and then the database, and
 * the WAL holds every body: under sustained inserts checkpoints took ~40% of
 * the writer thread's time (26 µs of every 66 µs per exchange in the insert
 * benchmark), three quarters of it waiting for the disk. SQLite lets one
 * connection checkpoint (PASSIVE) while another writes, so the writer keeps
 * inserting meanwhile.
 *
 * When: once `startBytes` may be waiting in the WAL (an estimate from what was
 * written, corrected by each checkpoint's answer).
 *
 * The WAL starts over from its beginning only when a write finds it fully
 * copied. A checkpoint that runs while the writer appends never finishes
 * completely, so under sustained load the file would grow without bound; once
 * it may hold `maxWalBytes`, the writer checkpoints itself between two
 * batches. That copies only what the thread has not copied yet, and the next
 * write starts the WAL over (`journal_size_limit` then truncates the file).
 *
 * Without the thread (it failed to start, or died) every checkpoint is the
 * writer's own: `idleStep` between batches, and `maxWalBytes` after them.
 *
 * The two threads share their state in a SharedArrayBuffer, not messages: the
 * writer's event loop drains its queue of batch messages first, and an
 * answer posted back waited there while hundreds of MB more went into the WAL.
 */
import type { Worker } from 'node:worker_threads';
import type { HistoryDatabase } from './database.js';
import { launchWorker, workerError } from './worker-launch.js';

/**
 * Int32 slots of the shared buffer: the thread's state, and the last
 * checkpoint's answer (busy: another connection's checkpoint was in the way;
 * frames in the WAL and frames copied, -1 and -1 when busy).
 */
export const Slot = { state: 0, busy: 1, log: 2, checkpointed: 3, length: 4 } as const;

export const State = { idle: 0, running: 1, closing: 2, failed: 3 } as const;
type StateValue = (typeof State)[keyof typeof State];

/** How long the writer waits for the thread's checkpoint once the WAL reached `maxWalBytes`. */
const MAX_WAIT_MS = 5000;
/** How often the writer looks whether the thread is done, when more became due meanwhile. */
const RETRY_MS = 25;

export interface CheckpointWorkerConfig {
  file: string;
  busyTimeoutMs: number;
  shared: SharedArrayBuffer;
}

export interface WalCheckpointOptions {
  /** Checkpoint once this much may be waiting in the WAL. */
  startBytes: number;
  /** Past this WAL size the writer checkpoints itself after a write. */
  maxWalBytes: number;
  /** Run checkpoints on their own thread; false: all on the writer's. */
  thread: { file: string; busyTimeoutMs: number } | null;
  onWarning: (message: string) => void;
}

export class WalCheckpoints {
  private readonly pageSize: number;
  /** Bytes written to the WAL and perhaps not copied yet; unknown after a restart (a kill -9 may have left a large WAL). */
  private pendingBytes = Number.POSITIVE_INFINITY;
  /** Bytes in the WAL file since it last started over. */
  private walBytes = 0;
  private worker: Worker | null = null;
  private shared: Int32Array | null = null;
  /** Bytes written since the thread's running checkpoint was asked for; null when none was. */
  private writtenSinceRequest: number | null = null;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: HistoryDatabase,
    private readonly options: WalCheckpointOptions,
  ) {
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    if (options.thread !== null) {
      this.startThread(options.thread);
      this.request();
    }
  }

  /** After each write transaction, with an estimate of the bytes it added to the WAL. */
  written(bytes: number): void {
    this.pendingBytes += bytes;
    this.walBytes += bytes;
    if (this.writtenSinceRequest !== null) this.writtenSinceRequest += bytes;
    this.collect();
    if (this.walBytes < this.options.maxWalBytes) return this.request();
    // Not another round on the thread, which would not catch up with the
    // writes either: wait for the one running (its lock would make ours
    // return at once, copying nothing), then copy the rest here.
    if (this.shared !== null && this.writtenSinceRequest !== null) {
      Atomics.wait(this.shared, Slot.state, State.running, MAX_WAIT_MS);
      if (this.collect()) return; // a disk stalled this long: the next write tries again
    }
    this.checkpointHere();
  }

  /** Between batches: checkpoints on this thread when one is due and there is no checkpoint thread; true when it did. */
  idleStep(): boolean {
    if (!this.idleWorkDue) return false;
    this.checkpointHere();
    return true;
  }

  /** Whether the thread is running a checkpoint. */
  get threadRunning(): boolean {
    return this.collect();
  }

  /** Whether `idleStep` has work. */
  get idleWorkDue(): boolean {
    this.collect();
    return this.shared === null && this.pendingBytes >= this.options.startBytes;
  }

  /** Stops the thread (after the checkpoint it is running); the caller's last checkpoint then runs alone. */
  async close(): Promise<void> {
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    const worker = this.worker;
    if (worker === null) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.signal(State.closing);
    const timeout = setTimeout(() => void worker.terminate(), 10_000);
    await exited;
    clearTimeout(timeout);
    this.worker = null;
    this.shared = null;
  }

  /** Takes in a finished thread checkpoint's answer; true while one is still running. */
  private collect(): boolean {
    const shared = this.shared;
    if (shared === null) return false;
    const state = Atomics.load(shared, Slot.state);
    if (state === State.running) return true;
    if (state === State.failed) {
      this.lose('failed');
      return false;
    }
    if (this.writtenSinceRequest !== null) {
      this.learn(shared[Slot.busy] === 1, shared[Slot.log], shared[Slot.checkpointed], this.writtenSinceRequest);
      this.writtenSinceRequest = null;
    }
    return false;
  }

  private request(): void {
    if (this.shared === null || this.pendingBytes < this.options.startBytes) return;
    if (this.writtenSinceRequest !== null) {
      // Still running: ask again once it is done, even if nothing more is written.
      this.retry ??= setTimeout(() => {
        this.retry = null;
        this.collect();
        this.request();
      }, RETRY_MS).unref();
      return;
    }
    this.writtenSinceRequest = 0;
    this.signal(State.running);
  }

  private signal(state: StateValue): void {
    Atomics.store(this.shared!, Slot.state, state);
    Atomics.notify(this.shared!, Slot.state);
  }

  private checkpointHere(): void {
    const [r] = this.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    this.learn(r.busy === 1, r.log, r.checkpointed, 0);
  }

  private learn(busy: boolean, log: number, checkpointed: number, writtenSince: number): void {
    // Busy (another process was checkpointing): nothing learned; asked again after the next write.
    if (busy || log < 0) return;
    const left = (log - checkpointed) * this.pageSize;
    this.pendingBytes = left + writtenSince;
    // Fully copied and nothing written since: the next write starts the WAL over.
    this.walBytes = left === 0 && writtenSince === 0 ? 0 : log * this.pageSize + writtenSince;
  }

  private startThread(thread: { file: string; busyTimeoutMs: number }): void {
    const shared = new Int32Array(new SharedArrayBuffer(Slot.length * Int32Array.BYTES_PER_ELEMENT));
    try {
      this.worker = launchWorker('history-checkpoint-worker', { ...thread, shared: shared.buffer } satisfies CheckpointWorkerConfig);
    } catch (err) {
      this.options.onWarning(`history checkpoint thread did not start (${(err as Error).message}); the writer checkpoints itself`);
      return;
    }
    this.shared = shared;
    // An exit that `close` did not ask for.
    this.worker.on('error', (err) => this.lose(`failed: ${workerError(err).message}`));
    this.worker.on('exit', (code) => this.lose(`exited (code ${code})`));
  }

  private lose(why: string): void {
    if (this.shared === null) return;
    const closing = Atomics.load(this.shared, Slot.state) === State.closing;
    this.shared = null;
    this.worker = null;
    this.writtenSinceRequest = null;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    if (!closing) this.options.onWarning(`history checkpoint thread ${why}; the writer checkpoints itself`);
  }
}
