import { describe, expect, it } from 'vitest';
import type { BalancerTarget } from './balancer.js';
import { RoundRobinBalancer } from './round-robin.js';

const t = (id: string, weight = 1, inflight = 0): BalancerTarget => ({ id, url: `http://${id}`, weight, inflight });

function count(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe('RoundRobinBalancer', () => {
  it('rotates in order', () => {
    const b = new RoundRobinBalancer();
    const ts = [t('a'), t('b'), t('c')];
    const seq = Array.from({ length: 7 }, () => b.pick(ts)!.id);
    expect(seq).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('is exactly even over 3000 picks and ignores weights', () => {
    const b = new RoundRobinBalancer();
    const ts = [t('a', 5), t('b', 1), t('c', 0)];
    const picks = Array.from({ length: 3000 }, () => b.pick(ts)!.id);
    expect(count(picks)).toEqual({ a: 1000, b: 1000, c: 1000 });
  });

  it('stays fair when a retry excludes the failed target (a counter modulo length would not)', () => {
    // Each request picks from all three; c always fails, so the retry picks from [a, b].
    // With `counter % length` b would get 3x a's successful traffic.
    const b = new RoundRobinBalancer();
    const all = [t('a'), t('b'), t('c')];
    const rest = [all[0]!, all[1]!];
    const served: string[] = [];
    for (let i = 0; i < 3000; i++) {
      let p = b.pick(all)!;
      if (p.id === 'c') p = b.pick(rest)!;
      served.push(p.id);
    }
    const c = count(served);
    expect(c.a).toBe(1500);
    expect(c.b).toBe(1500);
  });

  it('shares picks evenly among a smaller set when sets alternate', () => {
    const b = new RoundRobinBalancer();
    const all = [t('a'), t('b'), t('c')];
    const two = [all[0]!, all[1]!];
    const inTwo: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const p = b.pick(i % 2 ? two : all)!;
      if (i % 2) inTwo.push(p.id);
    }
    const c = count(inTwo);
    expect(Math.abs(c.a! - c.b!)).toBeLessThanOrEqual(2);
  });

  it('does not depend on array order and gives a new target its turn', () => {
    const b = new RoundRobinBalancer();
    const [a, bb, c] = [t('a'), t('b'), t('c')];
    const seq = [b.pick([a, bb])!.id, b.pick([bb, a])!.id, b.pick([a, bb])!.id, b.pick([bb, a])!.id];
    expect(seq).toEqual(['a', 'b', 'a', 'b']);
    const picks = Array.from({ length: 300 }, (_, i) => b.pick(i % 2 ? [a, bb, c] : [c, bb, a])!.id);
    expect(picks[0]).toBe('c');
    expect(count(picks)).toEqual({ a: 100, b: 100, c: 100 });
  });

  it('forgets ids that stopped appearing', () => {
    const b = new RoundRobinBalancer();
    b.pick([t('gone'), t('a')]);
    const ts = [t('a'), t('b')];
    for (let i = 0; i < 70_000; i++) b.pick(ts);
    expect(b.trackedIds).toBe(2);
  });
});
