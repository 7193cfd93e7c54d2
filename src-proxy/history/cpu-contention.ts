/**
 * Whether the calling thread has had to wait for a CPU lately: the signal
 * that decides how much background work (FTS indexing) the history writer
 * may do while traffic flows (`background-pacer.ts`).
 *
 * Linux keeps, per thread, the time spent running and the time spent
 * runnable but waiting for a CPU (`/proc/thread-self/schedstat`). When the
 * gateway, the load generator or anything else keeps the cores busy, a
 * thread that wants to run waits; on a machine with idle cores it does not.
 * Reading it costs a few microseconds. Elsewhere (macOS, Windows, a kernel
 * without schedstat) the answer is `unknown`.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export type Contention = 'free' | 'contended' | 'unknown';

/** Run-queue wait above this share of the thread's runnable time means the cores are contended. */
const CONTENDED_WAIT_SHARE = 0.1;
/** Less runnable time than this since the last sample (ns) says nothing new: the last verdict stands. */
const MIN_SAMPLE_NS = 2_000_000;

export class CpuContention {
  private fd: number | null;
  private readonly buf = Buffer.alloc(128);
  private run = 0;
  private wait = 0;
  private verdict: Contention = 'unknown';

  /** `file` is for tests; it must be opened by the thread it describes (`thread-self` is resolved at open). */
  constructor(file = '/proc/thread-self/schedstat') {
    try {
      this.fd = openSync(file, 'r');
    } catch {
      this.fd = null;
    }
    this.read();
  }

  /**
   * The verdict over the time since the previous call (or the previous one,
   * when this thread has hardly been runnable since); `unknown` until one
   * stretch of at least 2 ms could be judged (a kernel that keeps the file
   * but not the counts never gets past it).
   */
  sample(): Contention {
    const run = this.run;
    const wait = this.wait;
    if (!this.read()) return this.verdict;
    const ran = this.run - run;
    const waited = this.wait - wait;
    if (ran + waited < MIN_SAMPLE_NS) {
      // Too little to judge: keep the old baseline so the next sample covers a longer stretch.
      this.run = run;
      this.wait = wait;
      return this.verdict;
    }
    this.verdict = waited > CONTENDED_WAIT_SHARE * (ran + waited) ? 'contended' : 'free';
    return this.verdict;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** Reads "run_ns wait_ns slices"; false (and `unknown` from then on) when it cannot. */
  private read(): boolean {
    if (this.fd === null) return false;
    try {
      const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
      const [run, wait] = this.buf.toString('latin1', 0, n).split(' ').map(Number);
      if (!Number.isFinite(run) || !Number.isFinite(wait)) throw new Error('unexpected schedstat format');
      this.run = run;
      this.wait = wait;
      return true;
    } catch {
      this.close();
      this.verdict = 'unknown';
      return false;
    }
  }
}
