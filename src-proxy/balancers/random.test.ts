import { describe, expect, it } from 'vitest';
import type { BalancerTarget } from './balancer.js';
import { RandomBalancer } from './random.js';

const t = (id: string, weight = 1, inflight = 0): BalancerTarget => ({ id, url: `http://${id}`, weight, inflight });

/** Tiny seeded PRNG (mulberry32) returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function count(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe('RandomBalancer', () => {
  it('picks 3:1 by weight with a seeded PRNG', () => {
    const b = new RandomBalancer({ random: mulberry32(42) });
    const ts = [t('a', 3), t('b', 1)];
    const n = 20_000;
    const c = count(Array.from({ length: n }, () => b.pick(ts)!.id));
    expect(c.a! / n).toBeGreaterThan(0.735);
    expect(c.a! / n).toBeLessThan(0.765);
  });

  it('is reproducible for a given seed', () => {
    const ts = [t('a', 2), t('b', 1), t('c', 1)];
    const run = () => {
      const b = new RandomBalancer({ random: mulberry32(7) });
      return Array.from({ length: 50 }, () => b.pick(ts)!.id).join('');
    };
    expect(run()).toBe(run());
  });

  it('never picks weight 0 unless all are 0 (then uniform)', () => {
    const b = new RandomBalancer({ random: mulberry32(1) });
    const c = count(Array.from({ length: 2000 }, () => b.pick([t('z', 0), t('a', 1), t('y', 0)])!.id));
    expect(c).toEqual({ a: 2000 });
    const u = count(Array.from({ length: 3000 }, () => b.pick([t('x', 0), t('y', 0), t('z', 0)])!.id));
    for (const id of ['x', 'y', 'z']) expect(Math.abs(u[id]! - 1000)).toBeLessThan(100);
  });

  it('maps the ends of [0, 1) onto the first and last eligible target', () => {
    const ts = [t('a', 1), t('b', 1), t('zero', 0)];
    expect(new RandomBalancer({ random: () => 0 }).pick(ts)!.id).toBe('a');
    expect(new RandomBalancer({ random: () => 1 - Number.EPSILON }).pick(ts)!.id).toBe('b');
  });

  it('defaults to Math.random', () => {
    const b = new RandomBalancer();
    const ts = [t('a'), t('b')];
    const seen = new Set(Array.from({ length: 200 }, () => b.pick(ts)!.id));
    expect(seen).toEqual(new Set(['a', 'b']));
  });
});
