import { describe, expect, it } from 'vitest';
import { fmix32, FNV_OFFSET, fnv1aUpdate, hashString, hashToUnit, normalizeIp } from './hash.js';

const popcount = (x: number): number => {
  let c = 0;
  for (let v = x >>> 0; v; v &= v - 1) c++;
  return c;
};

describe('hash', () => {
  it('matches FNV-1a reference values before finalisation', () => {
    expect(fnv1aUpdate(FNV_OFFSET, '') >>> 0).toBe(0x811c9dc5);
    expect(fnv1aUpdate(FNV_OFFSET, 'a') >>> 0).toBe(0xe40c292c);
    expect(fnv1aUpdate(FNV_OFFSET, 'foobar') >>> 0).toBe(0xbf9cf968);
  });

  it('is pinned: changing these values reshuffles every hashed client on upgrade', () => {
    // Cross-checked against an independent Python FNV-1a + fmix32.
    expect(hashString('')).toBe(0xab3e7c0b);
    expect(hashString('10.0.0.1')).toBe(0xaebc85ae);
    expect(hashString('user-42')).toBe(0x7c2a1196);
    expect(hashString('2001:db8::1')).toBe(0xe5777f3a);
  });

  it('returns unsigned 32-bit integers and is deterministic', () => {
    for (const s of ['', 'a', '10.0.0.1', 'ünïcødé', '2001:db8::1']) {
      const h = hashString(s);
      expect(Number.isInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 32);
      expect(hashString(s)).toBe(h);
    }
  });

  it('avalanches: changing the last character flips about half the bits', () => {
    let bits = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) bits += popcount(hashString(`10.0.${i}.1`) ^ hashString(`10.0.${i}.2`));
    expect(bits / n).toBeGreaterThan(15);
    expect(bits / n).toBeLessThan(17);
  });

  it('fmix32 is a bijection on a sample (no collisions)', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(fmix32(i));
    expect(seen.size).toBe(100_000);
  });

  it('maps hashes into the open interval (0, 1)', () => {
    expect(hashToUnit(0)).toBeGreaterThan(0);
    expect(hashToUnit(0xffffffff)).toBeLessThan(1);
    expect(Number.isFinite(Math.log(hashToUnit(0)))).toBe(true);
  });

  it('normalises IPv4-mapped IPv6 addresses only', () => {
    expect(normalizeIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeIp('10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeIp('::ffff:a01:203')).toBe('::ffff:a01:203');
    expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
    expect(normalizeIp('')).toBe('');
  });
});
