/**
 * Sliding window (the two-counter approximation): requests are counted in
 * fixed windows of `per`, and the previous window's count is weighted by how
 * much of it still overlaps the sliding window ending now. No bursts beyond
 * `limit` per any window of `per`, at two numbers of state per key.
 */
import type { LimiterState, Verdict } from './limiter.js';

export class SlidingWindow implements LimiterState {
  private start: number;
  private previous = 0;
  private current = 0;
  private perMs: number;

  constructor(perMs: number, now: number) {
    this.perMs = perMs;
    this.start = windowStart(now, perMs);
  }

  take(limit: number, perMs: number, now: number): Verdict {
    if (perMs !== this.perMs) {
      // The window length changed (another plan): start counting afresh.
      this.perMs = perMs;
      this.start = windowStart(now, perMs);
      this.previous = this.current = 0;
    }
    const start = windowStart(now, perMs);
    if (start !== this.start) {
      this.previous = start - this.start === perMs ? this.current : 0;
      this.current = 0;
      this.start = start;
    }
    const elapsed = now - start;
    const estimate = this.previous * (1 - elapsed / perMs) + this.current;
    const allowed = estimate + 1 <= limit;
    if (allowed) this.current++;
    const used = allowed ? estimate + 1 : estimate;
    return {
      allowed,
      remaining: Math.max(0, Math.floor(limit - used)),
      resetMs: (this.current > 0 ? 2 * perMs : perMs) - elapsed,
      retryAfterMs: allowed ? 0 : this.waitForOne(limit, perMs, elapsed),
    };
  }

  /** Time until previous·weight + current + 1 ≤ limit, given no more requests. */
  private waitForOne(limit: number, perMs: number, elapsed: number): number {
    const room = limit - 1 - this.current;
    if (room >= 0 && this.previous > 0) {
      // Within this window, once the previous window has slid far enough out.
      return Math.max(0, perMs * (1 - room / this.previous) - elapsed);
    }
    // In the next window, this window's count becomes the weighted one.
    const next = perMs - elapsed;
    return next + (this.current > limit - 1 ? perMs * (1 - (limit - 1) / this.current) : 0);
  }

  idle(now: number): boolean {
    return now >= this.start + 2 * this.perMs;
  }
}

function windowStart(now: number, perMs: number): number {
  return now - (now % perMs);
}
