/**
 * Caps retries to a share of recent requests (plus a small floor), so that a
 * struggling upstream is not hit by a retry storm. The window is two rolling
 * one-second buckets, which is cheap and smooth enough.
 */
const MIN_RETRIES_PER_SECOND = 10;

export class RetryBudget {
  private bucketStart = 0;
  private requests = 0;
  private retries = 0;
  private prevRequests = 0;
  private prevRetries = 0;
  /** Whether the previous bucket is part of the window (it is not after a second or more without any call). */
  private hasPrev = false;

  constructor(private readonly ratio: number) {}

  private roll(now: number): void {
    if (now - this.bucketStart < 1000) return;
    const fresh = now - this.bucketStart >= 2000;
    this.prevRequests = fresh ? 0 : this.requests;
    this.prevRetries = fresh ? 0 : this.retries;
    this.hasPrev = !fresh;
    this.requests = 0;
    this.retries = 0;
    this.bucketStart = now;
  }

  recordRequest(now = Date.now()): void {
    this.roll(now);
    this.requests++;
  }

  /** Takes one retry from the budget if there is one left. */
  tryRetry(now = Date.now()): boolean {
    this.roll(now);
    // The floor is per second: the window holds two seconds' buckets once the previous one counts.
    const allowed = MIN_RETRIES_PER_SECOND * (this.hasPrev ? 2 : 1) + this.ratio * (this.requests + this.prevRequests);
    if (this.retries + this.prevRetries >= allowed) return false;
    this.retries++;
    return true;
  }
}
