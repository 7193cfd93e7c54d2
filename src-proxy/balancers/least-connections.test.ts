import { describe, expect, it } from 'vitest';
import type { BalancerTarget } from './balancer.js';
import { LeastConnectionsBalancer } from './least-connections.js';

interface MutableTarget extends BalancerTarget {
  inflight: number;
}
const t = (id: string, weight = 1, inflight = 0): MutableTarget => ({ id, url: `http://${id}`, weight, inflight });

function count(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe('LeastConnectionsBalancer', () => {
  it('sends nothing to a target with high inflight, and rotates among the idle ones', () => {
    const b = new LeastConnectionsBalancer();
    const ts = [t('busy', 1, 50), t('b'), t('c')];
    const c = count(Array.from({ length: 1000 }, () => b.pick(ts)!.id));
    expect(c.busy).toBeUndefined();
    expect(c).toEqual({ b: 500, c: 500 });
  });

  it('respects weights when inflight is equal (ties go by smooth WRR)', () => {
    const b = new LeastConnectionsBalancer();
    const ts = [t('a', 3), t('b', 1)];
    const c = count(Array.from({ length: 4000 }, () => b.pick(ts)!.id));
    expect(c.a! / 4000).toBeGreaterThan(0.73);
    expect(c.a! / 4000).toBeLessThan(0.77);
    const seq = Array.from({ length: 4 }, () => b.pick(ts)!.id).join('');
    expect(seq).toBe('aaba');
  });

  it('compares inflight per unit of weight', () => {
    const b = new LeastConnectionsBalancer();
    // Equal nonzero inflight: the heavier target has the lower ratio.
    expect(b.pick([t('light', 1, 2), t('heavy', 2, 2)])!.id).toBe('heavy');
    // 3/2 = 1.5 vs 1/1 = 1
    expect(b.pick([t('heavy', 2, 3), t('light', 1, 1)])!.id).toBe('light');
    // 2/4 = 0.5 vs 1/1 = 1
    expect(b.pick([t('light', 1, 1), t('heavy', 4, 2)])!.id).toBe('heavy');
  });

  it('spreads load in proportion to weight as inflight builds up', () => {
    const b = new LeastConnectionsBalancer();
    const ts = [t('a', 3), t('b', 1), t('c', 2)];
    for (let i = 0; i < 600; i++) b.pick(ts)!.inflight++;
    expect(ts.map((x) => x.inflight)).toEqual([300, 100, 200]);
  });

  it('ignores weight-0 targets unless all are 0', () => {
    const b = new LeastConnectionsBalancer();
    expect(b.pick([t('zero', 0, 0), t('a', 1, 10)])!.id).toBe('a');
    expect(b.pick([t('x', 0, 5), t('y', 0, 1), t('z', 0, 3)])!.id).toBe('y');
    const zeros = [t('x', 0), t('y', 0)];
    expect(count(Array.from({ length: 10 }, () => b.pick(zeros)!.id))).toEqual({ x: 5, y: 5 });
  });

  it('handles a tie that does not start at index 0', () => {
    const b = new LeastConnectionsBalancer();
    const ts = [t('busy', 1, 9), t('b', 1, 1), t('c', 1, 1), t('d', 1, 4)];
    expect(count(Array.from({ length: 10 }, () => b.pick(ts)!.id))).toEqual({ b: 5, c: 5 });
  });
});
