import { describe, expect, it } from 'vitest';
import type { BalancerTarget } from './balancer.js';
import { P2cBalancer } from './p2c.js';

interface MutableTarget extends BalancerTarget {
  inflight: number;
}
const t = (id: string, weight = 1, inflight = 0): MutableTarget => ({ id, url: `http://${id}`, weight, inflight });

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

describe('P2cBalancer', () => {
  it('never picks the busiest target (its rival is always less loaded)', () => {
    const b = new P2cBalancer({ random: mulberry32(3) });
    const ts = [t('a', 1, 1), t('busy', 1, 100), t('c', 1, 2), t('d', 1, 0)];
    const c = count(Array.from({ length: 5000 }, () => b.pick(ts)!.id));
    expect(c.busy).toBeUndefined();
    // Still spreads over the others rather than herding onto the idlest.
    expect(c.a).toBeGreaterThan(500);
    expect(c.c).toBeGreaterThan(100);
    expect(c.d).toBeGreaterThan(c.a!);
  });

  it('draws two distinct targets even when the PRNG repeats itself', () => {
    const b = new P2cBalancer({ random: () => 0 });
    expect(b.pick([t('busy', 1, 5), t('idle', 1, 0)])!.id).toBe('idle');
    expect(b.pick([t('idle', 1, 0), t('busy', 1, 5)])!.id).toBe('idle');
  });

  it('compares inflight per unit of weight', () => {
    const b = new P2cBalancer({ random: mulberry32(9) });
    for (let i = 0; i < 50; i++) {
      // 3/4 = 0.75 vs 1/1 = 1
      expect(b.pick([t('light', 1, 1), t('heavy', 4, 3)])!.id).toBe('heavy');
    }
  });

  it('draws by weight: with equal load the first (weighted) draw wins, 3:1', () => {
    const b = new P2cBalancer({ random: mulberry32(11) });
    const ts = [t('a', 3), t('b', 1)];
    const n = 20_000;
    const c = count(Array.from({ length: n }, () => b.pick(ts)!.id));
    expect(c.a! / n).toBeGreaterThan(0.735);
    expect(c.a! / n).toBeLessThan(0.765);
  });

  it('balances load by weight as inflight builds up', () => {
    const b = new P2cBalancer({ random: mulberry32(5) });
    const ts = [t('a', 2), t('b', 1), t('c', 1)];
    for (let i = 0; i < 4000; i++) b.pick(ts)!.inflight++;
    expect(ts[0]!.inflight).toBeGreaterThan(1900);
    expect(ts[0]!.inflight).toBeLessThan(2100);
    expect(Math.abs(ts[1]!.inflight - ts[2]!.inflight)).toBeLessThan(60);
  });

  it('skips weight-0 targets even when they are idle, unless all are 0', () => {
    const b = new P2cBalancer({ random: mulberry32(2) });
    const ts = [t('zero', 0, 0), t('a', 1, 5), t('b', 1, 7)];
    const c = count(Array.from({ length: 1000 }, () => b.pick(ts)!.id));
    expect(c.zero).toBeUndefined();
    expect(c.a).toBe(1000);
    expect(b.pick([t('x', 0, 3), t('y', 0, 1)])!.id).toBe('y');
  });
});
