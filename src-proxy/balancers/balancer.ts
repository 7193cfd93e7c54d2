/**
 * The balancer contract. A balancer only chooses among the targets that health,
 * backup and retry rules already allow; it never probes and never sees a target
 * that is down. Balancers may keep state (rotation counters, hash rings) keyed
 * by target id, because the allowed set changes from call to call.
 */
export interface BalancerTarget {
  /** Stable id, unique within the upstream (survives config re-applies). */
  readonly id: string;
  readonly url: string;
  /** Effective weight ≥ 0 (slow start may lower it below the configured weight). */
  readonly weight: number;
  /** Requests currently in flight to this target. */
  readonly inflight: number;
}

/** The parts of a request a balancer may look at. */
export interface PickRequest {
  readonly clientIp: string;
  /** `name` in lower case. */
  header(name: string): string | undefined;
  cookie(name: string): string | undefined;
  query(name: string): string | undefined;
}

export interface Balancer {
  /** Choose one of `targets` (never empty when called), or undefined if none is acceptable. */
  pick<T extends BalancerTarget>(targets: readonly T[], request: PickRequest): T | undefined;
}

export interface BalancerOptions {
  /** consistent-hash key source: `ip`, `header:NAME`, `cookie:NAME`, `query:NAME`. */
  hashOn?: string;
  /** Injected for tests; defaults to Math.random. */
  random?: () => number;
}
