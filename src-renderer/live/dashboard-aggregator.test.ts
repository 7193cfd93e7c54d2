import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../client/events-client';
import { DashboardAggregator, histogramQuantile, latencyBucket, LATENCY_BOUNDS, RING_SECONDS, statusClass } from './dashboard-aggregator';

const T0 = 1_700_000_000_000;

function complete(time: number, total: number, status = 200, over: Record<string, unknown> = {}): StreamEvent {
  return {
    type: 'exchange.complete',
    id: String(Math.random()),
    time,
    status,
    route: 'r',
    upstream: 'pool',
    target: 'http://a:1',
    attempts: 1,
    timings: { queue: 0, connect: 0, ttfb: 0, total },
    bytesIn: 0,
    bytesOut: 0,
    aborted: false,
    ...over,
  } as StreamEvent;
}

function manual() {
  let now = T0;
  const timers: (() => void)[] = [];
  const agg = new DashboardAggregator({
    now: () => now,
    publishMs: 250,
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => undefined,
  });
  return {
    agg,
    timers,
    advance(ms: number) {
      now += ms;
    },
    get now() {
      return now;
    },
  };
}

describe('histogram helpers', () => {
  it('classifies statuses and latency buckets', () => {
    expect(statusClass(204, false)).toBe('2xx');
    expect(statusClass(302, false)).toBe('3xx');
    expect(statusClass(404, false)).toBe('4xx');
    expect(statusClass(503, false)).toBe('5xx');
    expect(statusClass(200, true)).toBe('error');
    expect(statusClass(404, true)).toBe('4xx');
    expect(statusClass(502, true)).toBe('5xx');
    expect(statusClass(0, false)).toBe('error');
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(1)).toBe(0);
    expect(latencyBucket(1.5)).toBe(1);
    expect(latencyBucket(999_999)).toBe(LATENCY_BOUNDS.length);
  });

  it('estimates quantiles within the holding bucket', () => {
    const hist = new Array<number>(LATENCY_BOUNDS.length + 1).fill(0);
    expect(histogramQuantile(hist, 0.5)).toBeNull();
    hist[latencyBucket(10)] = 90; // 90 at ≤10 ms
    hist[latencyBucket(400)] = 10; // 10 at 300..400 ms
    const p50 = histogramQuantile(hist, 0.5)!;
    expect(p50).toBeGreaterThan(7);
    expect(p50).toBeLessThanOrEqual(10);
    expect(histogramQuantile(hist, 0.99)!).toBeGreaterThan(300);
    expect(histogramQuantile(hist, 0.99)!).toBeLessThanOrEqual(400);
  });
});

describe('DashboardAggregator', () => {
  it('counts requests per second, status classes and latency percentiles', () => {
    const { agg } = manual();
    const batch: StreamEvent[] = [];
    for (let i = 0; i < 100; i++) batch.push(complete(T0 - 1000 + i, i < 95 ? 5 : 900, i < 98 ? 200 : 503));
    for (let i = 0; i < 10; i++) batch.push(complete(T0 + i, 20, 404));
    batch.push(complete(T0, 1, 200, { error: { code: 'ECONNRESET', message: 'x' } }));
    agg.ingest(batch);

    const snap = agg.snapshot(60, true);
    expect(snap.points).toHaveLength(60);
    const prev = snap.points[58];
    const cur = snap.points[59];
    expect(prev.rps).toBe(100);
    expect(prev['2xx']).toBe(98);
    expect(prev['5xx']).toBe(2);
    expect(prev.p50).toBeLessThanOrEqual(5);
    expect(prev.p99).toBeGreaterThan(750);
    expect(cur.rps).toBe(11);
    expect(cur['4xx']).toBe(10);
    expect(cur.error).toBe(1);
    expect(snap.points[0].rps).toBe(0);
    expect(snap.totals.requests).toBe(111);
    expect(snap.totals.rps).toBeCloseTo(111 / 60);
    expect(snap.totals.errorRate).toBeCloseTo(3 / 111);
  });

  it('shares traffic per upstream target', () => {
    const { agg } = manual();
    agg.ingest([
      complete(T0, 1, 200, { target: 'http://a:1' }),
      complete(T0, 1, 200, { target: 'http://a:1' }),
      complete(T0, 1, 200, { target: 'http://a:1' }),
      complete(T0, 1, 200, { target: 'http://b:2' }),
      complete(T0, 1, 404, { upstream: null, target: null }),
    ]);
    const { shares } = agg.snapshot(60, true);
    expect(shares.map((s) => [s.target, s.requests, s.share])).toEqual([
      ['http://a:1', 3, 0.75],
      ['http://b:2', 1, 0.25],
    ]);
    expect(shares[0].upstream).toBe('pool');
  });

  it('trims to the window and drops seconds older than the ring', () => {
    const h = manual();
    h.agg.ingest([complete(T0 - 90_000, 3), complete(T0 - 30_000, 3), complete(T0, 3)]);
    expect(h.agg.snapshot(60, true).totals.requests).toBe(2);
    expect(h.agg.snapshot(300, true).totals.requests).toBe(3);
    // An event older than 15 minutes is not counted at all.
    h.agg.ingest([complete(T0 - RING_SECONDS * 1000 - 1000, 3)]);
    expect(h.agg.snapshot(900, true).totals.requests).toBe(3);
    expect(h.agg.snapshot(900, true).totals.requests).toBe(3);
    // Time moves on: the window slides and old seconds fall out.
    h.advance(61_000);
    expect(h.agg.snapshot(60, true).totals.requests).toBe(0);
    expect(h.agg.snapshot(900, true).totals.requests).toBe(3);
  });

  it('keeps memory bounded: a fixed ring, capped targets and health history', () => {
    const h = manual();
    const agg = new DashboardAggregator({ now: () => h.now, setTimer: () => 0, maxTransitions: 5, maxHealthTargets: 3, maxTargetsPerSecond: 4 });
    for (let s = 0; s < 2 * RING_SECONDS; s++) {
      h.advance(1000);
      agg.ingest([complete(h.now, 2, 200, { target: `http://t${s % 10}:1` })]);
    }
    expect(agg.ringSize).toBe(RING_SECONDS + 1);
    expect(agg.heldSeconds).toBe(RING_SECONDS + 1);
    expect(agg.snapshot(900, true).totals.requests).toBe(RING_SECONDS);
    // The default window ends at the last complete second, and still spans 15 full minutes.
    const complete15 = agg.snapshot(900);
    expect(complete15.points).toHaveLength(RING_SECONDS);
    expect(complete15.totals.requests).toBe(RING_SECONDS);
    expect(complete15.to).toBe((Math.floor(h.now / 1000) - 1) * 1000);

    for (let i = 0; i < 10; i++) agg.ingest([complete(h.now, 1, 200, { target: `http://x${i}:1` })]);
    const last = agg.snapshot(1, true);
    expect(last.shares.length).toBeLessThanOrEqual(4);

    for (let i = 0; i < 20; i++) {
      agg.ingest([{ type: 'health.change', time: h.now + i, upstream: 'pool', target: `http://h${i % 4}:1`, healthy: i % 2 === 0, wasHealthy: i % 2 !== 0, source: 'active', reason: 'x' }]);
    }
    const health = agg.snapshot(60, true).health;
    expect(health.size).toBe(3);
    for (const list of health.values()) expect(list.length).toBeLessThanOrEqual(5);
  });

  it('keeps the last health transition before the window as the starting state', () => {
    const h = manual();
    h.agg.ingest([
      { type: 'health.change', time: T0 - 120_000, upstream: 'pool', target: 'http://a:1', healthy: false, wasHealthy: true, source: 'active', reason: 'down' },
      { type: 'health.change', time: T0 - 100_000, upstream: 'pool', target: 'http://a:1', healthy: true, wasHealthy: false, source: 'active', reason: 'up' },
      { type: 'health.change', time: T0 - 10_000, upstream: 'pool', target: 'http://a:1', healthy: false, wasHealthy: true, source: 'manual', reason: 'drained' },
    ]);
    const list = h.agg.snapshot(60, true).health.get('pool/http://a:1')!;
    expect(list.map((t) => t.reason)).toEqual(['up', 'drained']);
  });

  it('publishes at most once per interval, and only when something changed', () => {
    const h = manual();
    let calls = 0;
    h.agg.subscribe(() => calls++);
    h.agg.ingest([complete(T0, 1)]);
    h.agg.ingest([complete(T0, 1)]);
    h.agg.ingest([{ type: 'config.applied', time: T0, generation: 2, routes: 1, upstreams: 1 }]);
    expect(h.timers).toHaveLength(1);
    expect(calls).toBe(0);
    const v = h.agg.version();
    h.timers.shift()!();
    expect(calls).toBe(1);
    expect(h.agg.version()).toBe(v + 1);
    // Nothing new: a stray publish notifies nobody.
    h.agg.publish();
    expect(calls).toBe(1);
    h.agg.ingest([{ type: 'config.applied', time: T0, generation: 3, routes: 1, upstreams: 1 }]);
    expect(h.timers).toHaveLength(0);
  });
});
