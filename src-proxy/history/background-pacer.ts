/**
 * When the history writer may do its background work (FTS indexing, idle WAL
 * checkpoints). Tokenising a row costs several times its insert, so if the
 * indexer took every free moment between batches it would, under sustained
 * traffic, take a core's worth of CPU from the gateway it records. Instead:
 *
 * - right after a batch (`settleMs`) nothing runs, so bursts are written at
 *   full speed;
 * - while batches keep arriving (the last one less than `quietMs` ago) the
 *   work gets a share of the thread's time, paid from a credit that refills
 *   with wall time. The share depends on whether the cores are contended
 *   (`cpu-contention.ts`): with idle cores, all of it, so the index keeps up
 *   with steady traffic; when this thread has to wait for a CPU, a sliver
 *   (`contendedShare`), and the index trails (`unindexed` in history.stats)
 *   instead of slowing the proxy; where that cannot be seen, `unknownShare`;
 * - once traffic pauses for `quietMs` it runs flat out until done.
 */
import type { Contention } from './cpu-contention.js';

export interface PacerOptions {
  settleMs: number;
  quietMs: number;
  contendedShare: number;
  unknownShare: number;
  /** Credit saved up while idle, in ms of work: one step's worth, so a busy period starts with a step, not a backlog of them. */
  maxCreditMs: number;
}

export const DEFAULT_PACER: PacerOptions = { settleMs: 15, quietMs: 250, contendedShare: 0.02, unknownShare: 0.1, maxCreditMs: 25 };

export class BackgroundPacer {
  private lastBatchAt = Number.NEGATIVE_INFINITY;
  private credit: number;
  private creditAt = 0;
  private share: number;

  constructor(
    private readonly options: PacerOptions = DEFAULT_PACER,
    /** Asked before each step; `cpu-contention.ts` on the writer thread. */
    private readonly contention: () => Contention = () => 'unknown',
  ) {
    this.credit = options.maxCreditMs;
    this.share = options.unknownShare;
  }

  batchWritten(now: number): void {
    this.refill(now);
    this.lastBatchAt = now;
  }

  /** Milliseconds to wait before the next step may run (0: now). */
  delay(now: number): number {
    const { settleMs, quietMs } = this.options;
    const sinceBatch = now - this.lastBatchAt;
    if (sinceBatch < settleMs) return settleMs - sinceBatch;
    if (sinceBatch >= quietMs) return 0;
    // The verdict describes the time since the last one, so it also sets the rate that time refills at
    // (batchWritten and spent refill at the share in force; the credit cap bounds the difference).
    const c = this.contention();
    this.share = c === 'free' ? 1 : c === 'contended' ? this.options.contendedShare : this.options.unknownShare;
    this.refill(now);
    if (this.credit > 0) return 0;
    // Whichever comes first: the credit refilled, or traffic turned quiet.
    return Math.min(Math.ceil(-this.credit / this.share) || 1, quietMs - sinceBatch);
  }

  /** A step that started at `startedAt` ran for `ms`; it is paid for only if traffic was busy then. */
  spent(startedAt: number, ms: number): void {
    this.refill(startedAt);
    if (startedAt - this.lastBatchAt < this.options.quietMs) this.credit -= ms;
  }

  private refill(now: number): void {
    if (now > this.creditAt) {
      this.credit = Math.min(this.options.maxCreditMs, this.credit + (now - this.creditAt) * this.share);
      this.creditAt = now;
    }
  }
}
