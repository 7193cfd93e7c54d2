/** What a rate-limit algorithm answers for one request (times in milliseconds). */
export interface Verdict {
  readonly allowed: boolean;
  /** Requests still allowed right now after this one. */
  readonly remaining: number;
  /** Until the quota is whole again. */
  readonly resetMs: number;
  /** Until one more request would be allowed (0 when this one was). */
  readonly retryAfterMs: number;
}

/** One key's state; `take` counts a request against `limit` per `perMs`. */
export interface LimiterState {
  take(limit: number, perMs: number, now: number): Verdict;
  /** True when forgetting this state changes nothing (the key has been quiet long enough). */
  idle(now: number): boolean;
}
