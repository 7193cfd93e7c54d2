import { describe, expect, it } from 'vitest';
import type { BalancerName } from '../config/schema.js';
import {
  ConsistentHashBalancer,
  createBalancer,
  IpHashBalancer,
  LeastConnectionsBalancer,
  P2cBalancer,
  RandomBalancer,
  RoundRobinBalancer,
  WeightedRoundRobinBalancer,
} from './index.js';

const expected: Record<BalancerName, new (...args: never[]) => unknown> = {
  'round-robin': RoundRobinBalancer,
  'weighted-round-robin': WeightedRoundRobinBalancer,
  'least-connections': LeastConnectionsBalancer,
  'ip-hash': IpHashBalancer,
  'consistent-hash': ConsistentHashBalancer,
  p2c: P2cBalancer,
  random: RandomBalancer,
};

describe('createBalancer', () => {
  it.each(Object.entries(expected))('creates %s', (name, cls) => {
    const b = createBalancer(name as BalancerName, {});
    expect(b).toBeInstanceOf(cls);
    const target = { id: 'only', url: 'http://only', weight: 1, inflight: 0 };
    const req = { clientIp: '10.0.0.1', header: () => undefined, cookie: () => undefined, query: () => undefined };
    expect(b.pick([target], req)).toBe(target);
  });

  it('passes options through', () => {
    const b = createBalancer('random', { random: () => 0.99 });
    const ts = [
      { id: 'a', url: 'http://a', weight: 1, inflight: 0 },
      { id: 'b', url: 'http://b', weight: 1, inflight: 0 },
    ];
    const req = { clientIp: '10.0.0.1', header: () => undefined, cookie: () => undefined, query: () => undefined };
    expect(b.pick(ts, req)!.id).toBe('b');
    expect(() => createBalancer('consistent-hash', { hashOn: 'nope' })).toThrow(/hashOn/);
  });

  it('rejects an unknown name', () => {
    expect(() => createBalancer('fastest' as BalancerName, {})).toThrow(/unknown balancer/);
  });
});
