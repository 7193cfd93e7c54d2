/** The rate-limit algorithms with an explicit clock (milliseconds). */
import { describe, expect, it } from 'vitest';
import { BoundedKeyStore } from './bounded-key-store.js';
import { SlidingWindow } from './sliding-window.js';
import { TokenBucket } from './token-bucket.js';
import { ipKey } from './rate-limit.js';

describe('TokenBucket', () => {
  it('allows a burst of `limit`, then one request per refill interval', () => {
    const b = new TokenBucket(3, 3000, 0);
    expect([0, 0, 0].map((t) => b.take(3, 3000, t).remaining)).toEqual([2, 1, 0]);
    const refused = b.take(3, 3000, 0);
    expect(refused).toEqual({ allowed: false, remaining: 0, resetMs: 3000, retryAfterMs: 1000 });
    expect(b.take(3, 3000, 999).allowed).toBe(false);
    expect(b.take(3, 3000, 1000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(b.idle(1000)).toBe(false);
    expect(b.idle(4000)).toBe(true);
  });

  it('never holds more than `limit` tokens, and follows a lower limit at once', () => {
    const b = new TokenBucket(3, 3000, 0);
    expect(b.take(3, 3000, 1_000_000).remaining).toBe(2);
    expect(b.take(1, 3000, 1_000_000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(b.take(1, 3000, 1_000_000).allowed).toBe(false);
  });
});

describe('SlidingWindow', () => {
  it('counts within a window and weighs the previous one as it slides out', () => {
    const w = new SlidingWindow(1000, 0);
    expect([10, 20, 30].map((t) => w.take(3, 1000, t).allowed)).toEqual([true, true, true]);
    const refused = w.take(3, 1000, 500);
    expect(refused.allowed).toBe(false);
    // At t=1000 the previous window (3) still weighs 3 × (1 − 0): wait until 3 × (1 − x) ≤ 2, x ≥ 1/3.
    expect(refused.retryAfterMs).toBeCloseTo(500 + 1000 / 3, 0);
    expect(w.take(3, 1000, 1200).allowed).toBe(false);
    expect(w.take(3, 1000, 1334).allowed).toBe(true);
    expect(w.idle(2500)).toBe(false);
    expect(w.idle(3000)).toBe(true);
  });

  it('forgets a window that is two windows old', () => {
    const w = new SlidingWindow(1000, 0);
    for (let i = 0; i < 3; i++) w.take(3, 1000, 0);
    expect(w.take(3, 1000, 2100)).toMatchObject({ allowed: true, remaining: 2 });
  });
});

describe('BoundedKeyStore', () => {
  it('evicts the least recently used key at maxKeys and sweeps idle ones', () => {
    const s = new BoundedKeyStore<{ n: number }>(2);
    s.touch('a', () => ({ n: 1 }));
    s.touch('b', () => ({ n: 2 }));
    s.touch('a', () => ({ n: 0 })); // a is now the most recent
    s.touch('c', () => ({ n: 3 }));
    expect(s.has('a')).toBe(true);
    expect(s.has('b')).toBe(false);
    expect(s.size).toBe(2);
    expect(s.sweep((v) => v.n === 3)).toBe(1);
    expect(s.has('c')).toBe(false);
  });

  it('stays bounded under many distinct keys', () => {
    const s = new BoundedKeyStore<number>(1000);
    for (let i = 0; i < 100_000; i++) s.touch(`k${i}`, () => i);
    expect(s.size).toBe(1000);
    expect(s.has('k99999')).toBe(true);
  });
});

describe('ipKey', () => {
  it('keys IPv4 by address and IPv6 by its /64', () => {
    expect(ipKey('203.0.113.9')).toBe('ip:203.0.113.9');
    expect(ipKey('2001:db8:1:2:aaaa::1')).toBe('ip:20010db800010002::/64');
    expect(ipKey('2001:db8:1:2:bbbb::7')).toBe(ipKey('2001:db8:1:2:aaaa::1'));
    expect(ipKey('2001:db8:1:3::1')).not.toBe(ipKey('2001:db8:1:2::1'));
  });
});
