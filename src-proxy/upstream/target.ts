/**
 * One upstream target at run time: its keep-alive pool, in-flight count and
 * health. Health has three independent inputs — active checks, passive
 * outlier ejection, and a manual drain — and the target is available only
 * when all three allow it. Balancers see it through `BalancerTarget`.
 */
import { Pool, type buildConnector, type Dispatcher } from 'undici';
import type { BalancerTarget } from '../balancers/balancer.js';
import type { TargetPlan, UpstreamPlan } from '../config/plan.js';
import { mayEject } from './ejection-rule.js';
import { sameServername, upstreamConnector } from './upstream-tls.js';

export type HealthSource = 'active' | 'passive' | 'manual';
/**
 * Called whenever a health input changes, with the target's availability after and before it
 * (equal when another input still decides it, or when an ejection was held back by the cap).
 */
export type AvailabilityListener = (target: Target, available: boolean, source: HealthSource, reason: string, wasAvailable: boolean) => void;
/** The upstream's side of an ejection decision: how many of its targets (primaries and backups) are ejected now. */
export interface EjectionCount {
  ejected(): number;
  total(): number;
}

const MAX_EJECTION_MULTIPLIER = 10;

export class Target implements BalancerTarget {
  readonly id: string;
  readonly url: string;
  readonly backup: boolean;
  readonly pool: Dispatcher;
  /** How https:// targets are connected to (verification, SNI, client certificate); null for http://. */
  readonly tlsConnector: buildConnector.connector | null;
  /**
   * Requests in flight to this server, shared with the targets this one
   * replaces and is replaced by in config re-applies (the same server): those
   * still running on an older generation's pool count for least-connections.
   */
  private load = { inflight: 0 };

  /** Result of active checks; targets start healthy (as nginx and HAProxy assume). */
  activeHealthy = true;
  drained = false;
  ejectedUntil = 0;
  ejections = 0;
  /** When the last ejection ended: the clean stretch that forgives past ejections starts there. */
  private lastEjectionEndedAt = 0;
  consecutiveFailures = 0;
  /** Totals for the upstreams view. */
  requests = 0;
  failures = 0;
  private recoveredAt = 0;
  private ejectionTimer: NodeJS.Timeout | null = null;
  /**
   * The target that replaced this one in a config re-apply that went live:
   * outcomes of requests still in flight here count there (they are the same server).
   */
  private successor: Target | null = null;
  private retired = false;

  constructor(
    readonly plan: TargetPlan,
    private readonly upstream: UpstreamPlan,
    private readonly onAvailability: AvailabilityListener,
    private readonly siblings: EjectionCount,
  ) {
    this.id = plan.id;
    this.url = plan.url;
    this.backup = plan.backup;
    const https = plan.origin.startsWith('https:');
    this.tlsConnector = https ? upstreamConnector(upstream, plan.origin, upstream.timeouts.connectMs) : null;
    const pool = new Pool(plan.origin, {
      connections: upstream.keepAlive.connections,
      keepAliveTimeout: upstream.keepAlive.idleTimeoutMs,
      keepAliveMaxTimeout: Math.max(upstream.keepAlive.idleTimeoutMs, 600_000),
      connect: this.tlsConnector ?? { timeout: upstream.timeouts.connectMs },
      headersTimeout: upstream.timeouts.responseMs,
      bodyTimeout: upstream.timeouts.idleMs,
      pipelining: 1,
      allowH2: https && upstream.http2,
    });
    this.pool = https ? pool.compose(sameServername(plan.origin)) : pool;
  }

  get inflight(): number {
    return this.load.inflight;
  }

  set inflight(n: number) {
    this.load.inflight = n;
  }

  get available(): boolean {
    return this.activeHealthy && !this.drained && this.ejectedUntil === 0;
  }

  /** Configured weight, ramped up after recovery when slow start is on. */
  get weight(): number {
    const w = this.plan.weight;
    if (this.recoveredAt === 0) return w;
    const elapsed = Date.now() - this.recoveredAt;
    if (elapsed >= this.upstream.slowStartMs) {
      this.recoveredAt = 0;
      return w;
    }
    return w * Math.max(0.1, elapsed / this.upstream.slowStartMs);
  }

  setActiveHealthy(healthy: boolean, reason: string): void {
    if (this.activeHealthy === healthy) return;
    this.change(() => (this.activeHealthy = healthy), 'active', reason);
  }

  setDrained(drained: boolean): void {
    if (this.drained === drained) return;
    this.change(() => (this.drained = drained), 'manual', drained ? 'drained by hand' : 're-enabled by hand');
  }

  /** Passive outcome of a real request. */
  recordSuccess(): void {
    if (this.successor !== null) return this.successor.recordSuccess();
    this.requests++;
    this.consecutiveFailures = 0;
    this.forgiveOldEjections();
  }

  /**
   * Forgets past ejections after a long stretch without one, so old trouble
   * does not lengthen new ejections forever — whether the stretch saw
   * successes or no traffic at all. It is counted from the end of the last
   * ejection: time spent ejected is not clean time.
   */
  private forgiveOldEjections(): void {
    const outlier = this.upstream.outlier;
    if (
      this.ejections > 0 &&
      outlier &&
      this.ejectedUntil === 0 &&
      Date.now() - this.lastEjectionEndedAt > outlier.ejectForMs * MAX_EJECTION_MULTIPLIER
    ) {
      this.ejections = 0;
    }
  }

  recordFailure(reason: string): void {
    if (this.successor !== null) return this.successor.recordFailure(reason);
    this.requests++;
    this.failures++;
    this.consecutiveFailures++;
    const outlier = this.upstream.outlier;
    // A retired target (removed by a re-apply) is out of rotation already: ejecting it would only report a ghost.
    if (outlier && !this.retired && this.ejectedUntil === 0 && this.consecutiveFailures >= outlier.consecutiveFailures) {
      this.forgiveOldEjections();
      const ejected = this.siblings.ejected();
      const total = this.siblings.total();
      if (mayEject(ejected, total, outlier.maxEjectionPercent)) {
        this.eject(outlier.ejectForMs * Math.min(2 ** this.ejections, MAX_EJECTION_MULTIPLIER), reason);
      } else if (this.consecutiveFailures === outlier.consecutiveFailures) {
        // Said once per threshold crossing; each later failure tries again quietly, so a freed slot is taken at the next one.
        this.onAvailability(
          this,
          this.available,
          'passive',
          `not ejected: ${ejected} of ${total} targets already ejected (maxEjectionPercent ${outlier.maxEjectionPercent}) after ${this.consecutiveFailures} consecutive failures (${reason})`,
          this.available,
        );
      }
    }
  }

  private eject(forMs: number, reason: string): void {
    this.ejections++;
    this.change(
      () => (this.ejectedUntil = Date.now() + forMs),
      'passive',
      `ejected for ${forMs}ms after ${this.consecutiveFailures} consecutive failures (${reason})`,
    );
    this.endEjectionIn(forMs);
  }

  private endEjectionIn(ms: number): void {
    this.ejectionTimer = setTimeout(() => {
      this.ejectionTimer = null;
      this.consecutiveFailures = 0;
      this.lastEjectionEndedAt = Date.now();
      this.change(() => (this.ejectedUntil = 0), 'passive', 'ejection ended');
    }, ms);
    this.ejectionTimer.unref();
  }

  /**
   * Copies health from the target this one replaces on a config re-apply: an
   * ejection keeps its remaining time, a slow-start ramp its progress. Health
   * from a mechanism the new config drops (active checks, outlier detection)
   * is not kept: nothing would ever clear it.
   */
  inheritFrom(previous: Target): void {
    this.load = previous.load;
    if (this.upstream.healthCheck) this.activeHealthy = previous.activeHealthy;
    this.drained = previous.drained;
    this.recoveredAt = previous.recoveredAt;
    this.requests = previous.requests;
    this.failures = previous.failures;
    if (!this.upstream.outlier) return;
    this.ejections = previous.ejections;
    this.lastEjectionEndedAt = previous.lastEjectionEndedAt;
    this.consecutiveFailures = previous.consecutiveFailures;
    const left = previous.ejectedUntil - Date.now();
    if (previous.ejectedUntil !== 0 && left > 0) {
      this.ejectedUntil = previous.ejectedUntil;
      this.endEjectionIn(left);
    }
  }

  /** Called once the re-apply that created `next` from this target is live. */
  supersede(next: Target): void {
    this.successor = next;
  }

  /**
   * Applies a change to one health input and reports it with the resulting
   * availability — also when availability stays the same (an active check
   * failing a target that is already ejected is still news for the timeline).
   */
  private change(mutate: () => void, source: HealthSource, reason: string): void {
    const before = this.available;
    mutate();
    const after = this.available;
    if (after && !before && this.upstream.slowStartMs > 0) this.recoveredAt = Date.now();
    this.onAvailability(this, after, source, reason, before);
  }

  /** Waits for in-flight requests, then closes the pool's connections. */
  async close(): Promise<void> {
    this.retire();
    await this.pool.close();
  }

  destroy(): Promise<void> {
    this.retire();
    return this.pool.destroy();
  }

  private retire(): void {
    this.retired = true;
    if (this.ejectionTimer) clearTimeout(this.ejectionTimer);
  }
}
