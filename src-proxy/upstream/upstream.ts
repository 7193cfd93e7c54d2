/**
 * An upstream at run time: its targets, balancer, retry budget and health
 * checker. `choose` applies the rules around the balancer — only available
 * targets, backups only when no primary is available, sticky cookie first —
 * so every balancer stays a pure choice among allowed targets.
 */
import { createHash } from 'node:crypto';
import type { Balancer, PickRequest } from '../balancers/balancer.js';
import { createBalancer } from '../balancers/index.js';
import type { UpstreamPlan } from '../config/plan.js';
import { HealthChecker } from './health-checker.js';
import { RetryBudget } from './retry-budget.js';
import { Target, type AvailabilityListener, type EjectionCount } from './target.js';

export interface TargetStatus {
  id: string;
  url: string;
  weight: number;
  backup: boolean;
  available: boolean;
  activeHealthy: boolean;
  ejected: boolean;
  ejectedUntil: number | null;
  drained: boolean;
  inflight: number;
  requests: number;
  failures: number;
}

export class Upstream {
  readonly name: string;
  readonly targets: readonly Target[];
  readonly budget: RetryBudget | null;
  private readonly balancer: Balancer;
  private readonly checker: HealthChecker | null;
  private readonly stickyValues = new Map<Target, string>();
  private availablePrimaries: Target[] = [];
  private availableBackups: Target[] = [];
  /** Targets of the replaced upstream and the ones here that take them over (linked once this upstream goes live). */
  private readonly takeovers: [old: Target, next: Target][] = [];
  /** The upstream this one replaces, until this one goes live. */
  private previous: Upstream | undefined;
  /** The upstream of the same name that a later config put in this one's place. */
  private successor: Upstream | null = null;
  /** Closed without a successor: the upstream was removed from the config. */
  private removed = false;

  constructor(
    readonly plan: UpstreamPlan,
    previous: Upstream | undefined,
    onAvailability: AvailabilityListener,
  ) {
    this.name = plan.name;
    this.previous = previous;
    const listener: AvailabilityListener = (target, available, source, reason, wasAvailable) => {
      this.refresh();
      onAvailability(target, available, source, reason, wasAvailable);
    };
    // Ejection is capped by how many targets of this upstream are out already (maxEjectionPercent).
    const siblings: EjectionCount = {
      ejected: () => this.targets.filter((t) => t.ejectedUntil !== 0).length,
      total: () => this.targets.length,
    };
    this.targets = plan.targets.map((t) => {
      const target = new Target(t, plan, listener, siblings);
      const old = previous?.targets.find((p) => p.id === t.id);
      if (old) {
        target.inheritFrom(old);
        this.takeovers.push([old, target]);
      }
      if (plan.sticky) this.stickyValues.set(target, createHash('sha256').update(t.id).digest('base64url').slice(0, 12));
      return target;
    });
    this.balancer = createBalancer(plan.balancer, { hashOn: plan.hashOn ?? undefined });
    this.budget = plan.retry ? new RetryBudget(plan.retry.budget) : null;
    this.checker = plan.healthCheck ? new HealthChecker(plan.healthCheck, this.targets) : null;
    this.refresh();
  }

  /** Goes live: health checks start, and requests still in flight on replaced targets report here. */
  start(): void {
    for (const [old, next] of this.takeovers) old.supersede(next);
    this.takeovers.length = 0;
    if (this.previous) this.previous.successor = this;
    this.previous = undefined;
    this.checker?.start();
  }

  /**
   * The upstream that new attempts go to: this one, or the one a later config
   * put in its place. A request keeps the config it started with, but once
   * that config is replaced its pools close: an attempt that starts after that
   * (a retry, or a request that was still in its policies) goes to the live
   * targets instead.
   */
  live(): Upstream {
    return this.successor === null ? this : this.successor.live();
  }

  private refresh(): void {
    this.availablePrimaries = this.targets.filter((t) => !t.backup && t.available);
    this.availableBackups = this.targets.filter((t) => t.backup && t.available);
  }

  /**
   * Picks a target for a request, skipping `exclude` (targets already tried).
   * Returns undefined when nothing is available.
   */
  choose(request: PickRequest, exclude: ReadonlySet<string> | null): Target | undefined {
    if (this.removed) return undefined;
    let pool = this.availablePrimaries;
    if (exclude !== null) pool = pool.filter((t) => !exclude.has(t.id));
    if (pool.length === 0) {
      pool = this.availableBackups;
      if (exclude !== null) pool = pool.filter((t) => !exclude.has(t.id));
      if (pool.length === 0) return undefined;
    }
    if (this.plan.sticky !== null) {
      const wanted = request.cookie(this.plan.sticky.cookie);
      if (wanted !== undefined) {
        for (const t of pool) if (this.stickyValues.get(t) === wanted) return t;
      }
    }
    if (pool.length === 1) return pool[0];
    return this.balancer.pick(pool, request);
  }

  /** Whether a target other than `current` and those in `tried` (target ids) is available. */
  hasUntried(tried: ReadonlySet<string> | null, current: Target): boolean {
    return !this.removed && this.targets.some((t) => t.id !== current.id && t.available && (tried === null || !tried.has(t.id)));
  }

  /**
   * The Set-Cookie value that pins a client to `target`, or null when stickiness is off.
   * `secure` (the client came over TLS) adds `Secure`, so the pin never travels over plain HTTP.
   */
  stickyCookie(target: Target, current: string | undefined, secure: boolean): string | null {
    const sticky = this.plan.sticky;
    if (sticky === null) return null;
    const value = this.stickyValues.get(target) as string;
    if (value === current) return null;
    const maxAge = sticky.ttlMs === null ? '' : `; Max-Age=${Math.ceil(sticky.ttlMs / 1000)}`;
    return `${sticky.cookie}=${value}; Path=/; HttpOnly; SameSite=Lax${maxAge}${secure ? '; Secure' : ''}`;
  }

  /** The 503 detail when nothing is available, saying why (ejected, failing checks, drained). */
  noTargetDetail(): string {
    if (this.removed) return `Upstream "${this.name}" was removed by a configuration change.`;
    const total = this.targets.length;
    const why = (
      [
        [this.targets.filter((t) => t.ejectedUntil !== 0).length, 'ejected by outlier detection'],
        [this.targets.filter((t) => !t.activeHealthy).length, 'failing health checks'],
        [this.targets.filter((t) => t.drained).length, 'drained'],
      ] as const
    )
      .filter(([n]) => n > 0)
      .map(([n, what]) => `${n} of ${total} ${what}`);
    return `Upstream "${this.name}" has no healthy target${why.length ? `: ${why.join(', ')}` : ''}.`;
  }

  findTarget(idOrUrl: string): Target | undefined {
    return this.targets.find((t) => t.id === idOrUrl || t.url === idOrUrl);
  }

  status(): TargetStatus[] {
    return this.targets.map((t) => ({
      id: t.id,
      url: t.url,
      weight: t.plan.weight,
      backup: t.backup,
      available: t.available,
      activeHealthy: t.activeHealthy,
      ejected: t.ejectedUntil !== 0,
      ejectedUntil: t.ejectedUntil || null,
      drained: t.drained,
      inflight: t.inflight,
      requests: t.requests,
      failures: t.failures,
    }));
  }

  /** Stops health checks and closes pools once their in-flight requests finish. */
  async close(): Promise<void> {
    this.removed = this.successor === null;
    await this.checker?.stop();
    await Promise.all(this.targets.map((t) => t.close()));
  }

  async destroy(): Promise<void> {
    await this.checker?.stop();
    await Promise.all(this.targets.map((t) => t.destroy()));
  }
}
