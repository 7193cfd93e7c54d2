import { describe, expect, it } from 'vitest';
import type { BalancerTarget, PickRequest } from './balancer.js';
import { WeightedRoundRobinBalancer } from './weighted-round-robin.js';

const t = (id: string, weight = 1, inflight = 0): BalancerTarget => ({ id, url: `http://${id}`, weight, inflight });
const req: PickRequest = { clientIp: '10.0.0.1', header: () => undefined, cookie: () => undefined, query: () => undefined };

function count(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe('WeightedRoundRobinBalancer', () => {
  it('produces nginx’s smooth sequence for weights 5,1,1', () => {
    const b = new WeightedRoundRobinBalancer();
    const ts = [t('a', 5), t('b', 1), t('c', 1)];
    const seq = Array.from({ length: 14 }, () => b.pick(ts)!.id);
    expect(seq.join('')).toBe('aabacaa' + 'aabacaa');
  });

  it('splits 3:1 within a few percent over 4000 picks', () => {
    const b = new WeightedRoundRobinBalancer();
    const ts = [t('a', 3), t('b', 1)];
    const c = count(Array.from({ length: 4000 }, () => b.pick(ts)!.id));
    expect(c.a! / 4000).toBeGreaterThan(0.73);
    expect(c.a! / 4000).toBeLessThan(0.77);
    expect(c.a! + c.b!).toBe(4000);
  });

  it('is smooth: every window of sum(weights) picks holds each target ±1 of its weight', () => {
    const b = new WeightedRoundRobinBalancer();
    const weights = { a: 5, b: 3, c: 2, d: 1 };
    const ts = Object.entries(weights).map(([id, w]) => t(id, w));
    const total = 11;
    const seq = Array.from({ length: 500 }, () => b.pick(ts)!.id);
    let maxRun = 0;
    let run = 0;
    for (let i = 0; i < seq.length; i++) {
      run = i > 0 && seq[i] === seq[i - 1] ? run + 1 : 1;
      maxRun = Math.max(maxRun, run);
      if (i + total <= seq.length) {
        const c = count(seq.slice(i, i + total));
        for (const [id, w] of Object.entries(weights)) expect(Math.abs((c[id] ?? 0) - w)).toBeLessThanOrEqual(1);
      }
    }
    // A naive (non-smooth) WRR would send 5 a's in a row.
    expect(maxRun).toBeLessThanOrEqual(2);
  });

  it('never picks weight-0 targets, and rotates when all are 0', () => {
    const b = new WeightedRoundRobinBalancer();
    const ts = [t('a', 0), t('b', 2), t('c', 0)];
    expect(new Set(Array.from({ length: 100 }, () => b.pick(ts)!.id))).toEqual(new Set(['b']));
    const zero = [t('x', 0), t('y', 0), t('z', 0)];
    expect(Array.from({ length: 6 }, () => b.pick(zero)!.id).join('')).toBe('xyzxyz');
  });

  it('keeps state by id, so array order does not matter', () => {
    const b = new WeightedRoundRobinBalancer();
    const a = t('a', 3);
    const bb = t('b', 1);
    const c = count(Array.from({ length: 4000 }, (_, i) => b.pick(i % 2 ? [a, bb] : [bb, a])!.id));
    expect(c).toEqual({ a: 3000, b: 1000 });
  });

  it('honours fractional (slow-start) weights', () => {
    const b = new WeightedRoundRobinBalancer();
    const ts = [t('a', 0.5), t('b', 1)];
    const c = count(Array.from({ length: 3000 }, () => b.pick(ts)!.id));
    expect(Math.abs(c.a! - 1000)).toBeLessThanOrEqual(2);
  });

  it('stays weighted when a retry excludes the failed target', () => {
    const b = new WeightedRoundRobinBalancer();
    const all = [t('a', 2), t('b', 1), t('c', 1)];
    const rest = [all[0]!, all[1]!];
    const served: string[] = [];
    for (let i = 0; i < 4000; i++) {
      let p = b.pick(all)!;
      if (p.id === 'c') p = b.pick(rest)!;
      served.push(p.id);
    }
    const c = count(served);
    // Ideal is 2.0; nginx's algorithm (which skips tried peers the same way)
    // lands at 2.2 here because retries correlate with the rotation phase.
    // The point is that it does not lock into a pattern that starves a target.
    expect(c.a! / c.b!).toBeGreaterThan(1.8);
    expect(c.a! / c.b!).toBeLessThan(2.4);
  });

  it('forgets ids that stopped appearing', () => {
    const b = new WeightedRoundRobinBalancer();
    b.pick([t('gone'), t('a')]);
    const ts = [t('a'), t('b')];
    for (let i = 0; i < 70_000; i++) b.pick(ts);
    expect(b.trackedIds).toBe(2);
  });

  it('accepts a request argument through the Balancer interface', () => {
    const b: import('./balancer.js').Balancer = new WeightedRoundRobinBalancer();
    expect(b.pick([t('a')], req)!.id).toBe('a');
  });
});
