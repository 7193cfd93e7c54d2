/**
 * Token bucket: `limit` tokens, refilled continuously at `limit` per `per`;
 * a request takes one. Bursts up to `limit` pass at once, then the rate holds.
 */
import type { LimiterState, Verdict } from './limiter.js';

export class TokenBucket implements LimiterState {
  private tokens: number;
  private at: number;
  private limit: number;
  private perMs: number;

  constructor(limit: number, perMs: number, now: number) {
    this.tokens = limit;
    this.at = now;
    this.limit = limit;
    this.perMs = perMs;
  }

  take(limit: number, perMs: number, now: number): Verdict {
    // A consumer's plan may have changed: the bucket follows the current limit.
    this.limit = limit;
    this.perMs = perMs;
    const msPerToken = perMs / limit;
    let tokens = Math.min(limit, this.tokens + (now - this.at) / msPerToken);
    this.at = now;
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.tokens = tokens;
    return {
      allowed,
      remaining: Math.floor(tokens),
      resetMs: (limit - tokens) * msPerToken,
      retryAfterMs: allowed ? 0 : (1 - tokens) * msPerToken,
    };
  }

  idle(now: number): boolean {
    return this.tokens + ((now - this.at) * this.limit) / this.perMs >= this.limit;
  }
}
