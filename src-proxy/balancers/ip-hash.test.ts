import { describe, expect, it } from 'vitest';
import type { BalancerTarget, PickRequest } from './balancer.js';
import { IpHashBalancer } from './ip-hash.js';

const t = (id: string, weight = 1, inflight = 0): BalancerTarget => ({ id, url: `http://${id}`, weight, inflight });
const req = (clientIp: string): PickRequest => ({
  clientIp,
  header: () => undefined,
  cookie: () => undefined,
  query: () => undefined,
});
const ips = Array.from({ length: 10_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
const four = ['a', 'b', 'c', 'd'].map((id) => t(id));

function assign(b: IpHashBalancer, ts: readonly BalancerTarget[]): string[] {
  return ips.map((ip) => b.pick(ts, req(ip))!.id);
}
function count(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe('IpHashBalancer', () => {
  it('is stable per IP across repeated picks, instances and array order', () => {
    const first = assign(new IpHashBalancer(), four);
    const b = new IpHashBalancer();
    expect(assign(b, four)).toEqual(first);
    expect(assign(b, four)).toEqual(first);
    expect(assign(new IpHashBalancer(), [...four].reverse())).toEqual(first);
  });

  it('spreads IPs evenly (each within ±10% of a fair share)', () => {
    const c = count(assign(new IpHashBalancer(), four));
    for (const id of ['a', 'b', 'c', 'd']) {
      expect(c[id]).toBeGreaterThan(2250);
      expect(c[id]).toBeLessThan(2750);
    }
  });

  it('honours weights (3:1:0)', () => {
    const c = count(assign(new IpHashBalancer(), [t('a', 3), t('b', 1), t('z', 0)]));
    expect(c.z).toBeUndefined();
    expect(c.a! / ips.length).toBeGreaterThan(0.72);
    expect(c.a! / ips.length).toBeLessThan(0.78);
  });

  it('moves only the removed target’s clients when a target goes away', () => {
    const before = assign(new IpHashBalancer(), four);
    const after = assign(new IpHashBalancer(), four.filter((x) => x.id !== 'c'));
    let moved = 0;
    for (let i = 0; i < ips.length; i++) {
      if (before[i] !== 'c') expect(after[i]).toBe(before[i]);
      else moved++;
    }
    expect(moved).toBeGreaterThan(2000);
  });

  it('moves about 1/(N+1) of clients, all onto the new target, when one is added', () => {
    const before = assign(new IpHashBalancer(), four);
    const after = assign(new IpHashBalancer(), [...four, t('e')]);
    let moved = 0;
    for (let i = 0; i < ips.length; i++) {
      if (after[i] !== before[i]) {
        moved++;
        expect(after[i]).toBe('e');
      }
    }
    expect(moved / ips.length).toBeGreaterThan(0.17);
    expect(moved / ips.length).toBeLessThan(0.23);
  });

  it('handles IPv6 and treats IPv4-mapped IPv6 as the IPv4 address', () => {
    const b = new IpHashBalancer();
    const v6 = Array.from({ length: 2000 }, (_, i) => `2001:db8::${i.toString(16)}`);
    const c = count(v6.map((ip) => b.pick(four, req(ip))!.id));
    expect(Object.keys(c).sort()).toEqual(['a', 'b', 'c', 'd']);
    for (const ip of ips.slice(0, 500)) {
      expect(b.pick(four, req(`::ffff:${ip}`))).toBe(b.pick(four, req(ip)));
    }
  });
});
