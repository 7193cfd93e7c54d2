/**
 * The dashboard's numbers, aggregated from the raw event batches OUTSIDE the
 * main store (2,000 exchanges/s must not re-run every store selector).
 *
 *  - `exchange.complete` → one bucket per second in a fixed ring of
 *    15 × 60 buckets (the longest window). Each bucket keeps counts, status
 *    classes, per-target counts and a fixed-bucket latency histogram, so a
 *    second costs the same memory at 1 or 10,000 requests.
 *  - `health.change` → a bounded list of transitions per target, for the
 *    health timeline.
 *
 * Subscribers are notified at most `publishMs` apart (a few times a second),
 * with a version number for `useSyncExternalStore`.
 */
import type { StreamEvent } from '../client/events-client';
import { registerTrafficSink } from './event-router';

/** The longest window (15 minutes); the ring holds one second more. */
export const RING_SECONDS = 15 * 60;

/** Upper bounds (ms) of the latency histogram buckets; the last bucket is open-ended. */
export const LATENCY_BOUNDS: readonly number[] = [
  1, 2, 3, 5, 7, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 15_000,
  30_000, 60_000,
];
const HIST_SIZE = LATENCY_BOUNDS.length + 1;
/** One slot more than the longest window: the second still filling never overwrites the window's first. */
const SLOTS = RING_SECONDS + 1;

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'error';
export const STATUS_CLASSES: readonly StatusClass[] = ['2xx', '3xx', '4xx', '5xx', 'error', '1xx'];

interface Bucket {
  /** Epoch second this slot holds; -1 when empty. */
  second: number;
  count: number;
  classes: Record<StatusClass, number>;
  /** `upstream/target` → requests. */
  targets: Map<string, number>;
  hist: Uint32Array;
}

export interface HealthTransition {
  time: number;
  healthy: boolean;
  /** Availability before the change: equal to `healthy` when the change did not flip it. */
  wasHealthy: boolean;
  source: 'active' | 'passive' | 'manual';
  reason: string;
}

export interface SecondPoint {
  /** Epoch ms of the second's start. */
  time: number;
  rps: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  '1xx': number;
  '2xx': number;
  '3xx': number;
  '4xx': number;
  '5xx': number;
  error: number;
}

export interface TargetShare {
  key: string;
  upstream: string;
  target: string;
  requests: number;
  share: number;
}

export interface DashboardSnapshot {
  windowSeconds: number;
  /** Epoch ms of the window's first and last second. */
  from: number;
  to: number;
  points: SecondPoint[];
  totals: { requests: number; rps: number; p50: number | null; p95: number | null; p99: number | null; errorRate: number };
  shares: TargetShare[];
  /** `upstream/target` → transitions within (and the last one before) the window. */
  health: Map<string, HealthTransition[]>;
}

export interface AggregatorOptions {
  now?: () => number;
  publishMs?: number;
  /** Health transitions kept per target. */
  maxTransitions?: number;
  /** Targets whose health history is kept (oldest dropped first). */
  maxHealthTargets?: number;
  /** Distinct targets counted per second (a misconfigured flood of targets cannot grow memory). */
  maxTargetsPerSecond?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (h: unknown) => void;
}

function emptyClasses(): Record<StatusClass, number> {
  return { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, error: 0 };
}

export function statusClass(status: number, error: boolean): StatusClass {
  // A gateway-made answer (404 no route, 502, 504 …) keeps its status class; "error" is a failure without one.
  if (status === 0 || (error && status < 400)) return 'error';
  if (status < 200) return '1xx';
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  return '5xx';
}

export function latencyBucket(ms: number): number {
  // Binary search over the bounds: the first bound >= ms.
  let lo = 0;
  let hi = LATENCY_BOUNDS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= LATENCY_BOUNDS[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The q-quantile (0..1) of a histogram, as the upper bound of the bucket that
 * holds it (linear interpolation inside the bucket). Null when empty.
 */
export function histogramQuantile(hist: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let i = 0; i < hist.length; i++) total += hist[i];
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    const n = hist[i];
    if (n === 0) continue;
    if (seen + n >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS[i - 1];
      const upper = i < LATENCY_BOUNDS.length ? LATENCY_BOUNDS[i] : lower * 2;
      const frac = (rank - seen) / n;
      return Math.round((lower + (upper - lower) * frac) * 10) / 10;
    }
    seen += n;
  }
  return null;
}

export class DashboardAggregator {
  private readonly ring: Bucket[];
  private readonly health = new Map<string, HealthTransition[]>();
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly publishMs: number;
  private readonly maxTransitions: number;
  private readonly maxHealthTargets: number;
  private readonly maxTargetsPerSecond: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (h: unknown) => void;
  private timer: unknown = null;
  private lastPublish = 0;
  private dirty = false;
  private versionNo = 0;

  constructor(opts: AggregatorOptions = {}) {
    this.now = opts.now ?? (() => Date.now());
    this.publishMs = opts.publishMs ?? 250;
    this.maxTransitions = opts.maxTransitions ?? 200;
    this.maxHealthTargets = opts.maxHealthTargets ?? 200;
    this.maxTargetsPerSecond = opts.maxTargetsPerSecond ?? 64;
    this.setTimer = opts.setTimer ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>));
    this.ring = Array.from({ length: SLOTS }, () => ({
      second: -1,
      count: 0,
      classes: emptyClasses(),
      targets: new Map<string, number>(),
      hist: new Uint32Array(HIST_SIZE),
    }));
  }

  /** Feed one batch of engine events (the traffic sink). */
  readonly ingest = (batch: readonly StreamEvent[]): void => {
    let changed = false;
    for (const ev of batch) {
      if (ev.type === 'exchange.complete') {
        this.addExchange(ev.time, ev.status, ev.timings.total, ev.upstream, ev.target, ev.error !== undefined || ev.aborted);
        changed = true;
      } else if (ev.type === 'health.change') {
        this.addHealth(`${ev.upstream}/${ev.target}`, { time: ev.time, healthy: ev.healthy, wasHealthy: ev.wasHealthy, source: ev.source, reason: ev.reason });
        changed = true;
      }
    }
    if (changed) this.schedulePublish();
  };

  addExchange(time: number, status: number, totalMs: number, upstream: string | null, target: string | null, failed: boolean): void {
    const second = Math.floor(time / 1000);
    const nowSecond = Math.floor(this.now() / 1000);
    // Too old for the ring (or absurdly in the future): not counted.
    if (second < nowSecond - RING_SECONDS || second > nowSecond + 5) return;
    const b = this.bucketFor(second);
    b.count++;
    b.classes[statusClass(status, failed)]++;
    b.hist[latencyBucket(Math.max(0, totalMs))]++;
    if (upstream && target) {
      const key = `${upstream}/${target}`;
      const had = b.targets.get(key);
      if (had !== undefined) b.targets.set(key, had + 1);
      else if (b.targets.size < this.maxTargetsPerSecond) b.targets.set(key, 1);
    }
  }

  addHealth(key: string, t: HealthTransition): void {
    let list = this.health.get(key);
    if (!list) {
      if (this.health.size >= this.maxHealthTargets) {
        const oldest = this.health.keys().next().value;
        if (oldest !== undefined) this.health.delete(oldest);
      }
      list = [];
      this.health.set(key, list);
    }
    list.push(t);
    if (list.length > this.maxTransitions) list.splice(0, list.length - this.maxTransitions);
  }

  private bucketFor(second: number): Bucket {
    const b = this.ring[((second % SLOTS) + SLOTS) % SLOTS];
    if (b.second !== second) {
      b.second = second;
      b.count = 0;
      b.classes = emptyClasses();
      b.targets.clear();
      b.hist.fill(0);
    }
    return b;
  }

  private schedulePublish(): void {
    this.dirty = true;
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastPublish + this.publishMs - this.now());
    this.timer = this.setTimer(() => this.publish(), wait);
  }

  /** Notify subscribers now (normally called by the throttle timer). */
  publish(): void {
    this.timer = null;
    if (!this.dirty) return;
    this.dirty = false;
    this.lastPublish = this.now();
    this.versionNo++;
    for (const l of this.listeners) l();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly version = (): number => this.versionNo;

  /** Forget everything (e.g. a "clear" button). */
  clear(): void {
    for (const b of this.ring) b.second = -1;
    this.health.clear();
    this.dirty = true;
    this.publish();
  }

  /** Distinct epoch seconds currently held (for tests: the ring never grows). */
  get heldSeconds(): number {
    return this.ring.reduce((n, b) => n + (b.second >= 0 ? 1 : 0), 0);
  }

  get ringSize(): number {
    return this.ring.length;
  }

  /**
   * The last `windowSeconds` seconds. By default the window ends at the last
   * complete second (the current one is still filling and would dip the
   * charts); `includeCurrent` ends it at the current second.
   */
  snapshot(windowSeconds: number, includeCurrent = false): DashboardSnapshot {
    const span = Math.max(1, Math.min(RING_SECONDS, Math.floor(windowSeconds)));
    const nowSecond = Math.floor(this.now() / 1000) - (includeCurrent ? 0 : 1);
    const first = nowSecond - span + 1;
    const points: SecondPoint[] = [];
    const totalHist = new Uint32Array(HIST_SIZE);
    const targetTotals = new Map<string, number>();
    let requests = 0;
    let failed = 0;
    for (let s = first; s <= nowSecond; s++) {
      const b = this.ring[((s % SLOTS) + SLOTS) % SLOTS];
      const point: SecondPoint = { time: s * 1000, rps: 0, p50: null, p95: null, p99: null, ...emptyClasses() };
      if (b.second === s) {
        point.rps = b.count;
        point.p50 = histogramQuantile(b.hist, 0.5);
        point.p95 = histogramQuantile(b.hist, 0.95);
        point.p99 = histogramQuantile(b.hist, 0.99);
        Object.assign(point, b.classes);
        requests += b.count;
        failed += b.classes['5xx'] + b.classes.error;
        for (let i = 0; i < HIST_SIZE; i++) totalHist[i] += b.hist[i];
        for (const [k, n] of b.targets) targetTotals.set(k, (targetTotals.get(k) ?? 0) + n);
      }
      points.push(point);
    }
    const targetSum = [...targetTotals.values()].reduce((a, b) => a + b, 0);
    const shares: TargetShare[] = [...targetTotals]
      .map(([key, n]) => {
        const slash = key.indexOf('/');
        return { key, upstream: key.slice(0, slash), target: key.slice(slash + 1), requests: n, share: targetSum ? n / targetSum : 0 };
      })
      .sort((a, b) => b.requests - a.requests);

    const fromMs = first * 1000;
    const health = new Map<string, HealthTransition[]>();
    for (const [key, list] of this.health) {
      // Keep the last transition before the window: it is the state the window starts in.
      let start = list.length;
      while (start > 0 && list[start - 1].time >= fromMs) start--;
      health.set(key, list.slice(Math.max(0, start - 1)));
    }
    return {
      windowSeconds: span,
      from: fromMs,
      to: nowSecond * 1000,
      points,
      totals: {
        requests,
        rps: requests / span,
        p50: histogramQuantile(totalHist, 0.5),
        p95: histogramQuantile(totalHist, 0.95),
        p99: histogramQuantile(totalHist, 0.99),
        errorRate: requests ? failed / requests : 0,
      },
      shares,
      health,
    };
  }
}

let shared: DashboardAggregator | null = null;

/**
 * The page's one aggregator, registered as a traffic sink on first use and
 * kept registered afterwards (so the dashboard keeps its history while other
 * views are open). Call it at startup to collect from the first event.
 */
export function dashboardAggregator(): DashboardAggregator {
  if (!shared) {
    shared = new DashboardAggregator();
    registerTrafficSink(shared.ingest);
  }
  return shared;
}
