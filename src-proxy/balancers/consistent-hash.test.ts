import { describe, expect, it } from 'vitest';
import type { BalancerTarget, PickRequest } from './balancer.js';
import { ConsistentHashBalancer } from './consistent-hash.js';

const t = (id: string, weight = 1, inflight = 0): BalancerTarget => ({ id, url: `http://${id}`, weight, inflight });

interface ReqParts {
  headers?: Record<string, string>;
  cookies?: Record<string, string>;
  query?: Record<string, string>;
}
const req = (clientIp: string, parts: ReqParts = {}): PickRequest => ({
  clientIp,
  // Like Exchange.header: node's header object has lower-case names only, so 'X-User' finds nothing.
  header: (name) => parts.headers?.[name],
  cookie: (name) => parts.cookies?.[name],
  query: (name) => parts.query?.[name],
});

const ips = Array.from({ length: 10_000 }, (_, i) => `192.168.${(i >> 8) & 255}.${i & 255}`);
const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
const four = ['a', 'b', 'c', 'd'].map((id) => t(id));

function assign(b: ConsistentHashBalancer, ts: readonly BalancerTarget[]): string[] {
  return ips.map((ip) => b.pick(ts, req(ip))!.id);
}
function count(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe('ConsistentHashBalancer', () => {
  it('is stable per key across repeated picks, instances and array order', () => {
    const first = assign(new ConsistentHashBalancer(), four);
    const b = new ConsistentHashBalancer({ hashOn: 'ip' });
    expect(assign(b, four)).toEqual(first);
    expect(assign(b, four)).toEqual(first);
    expect(assign(new ConsistentHashBalancer(), [...four].reverse())).toEqual(first);
  });

  it('spreads 10k keys evenly (each within ±35% of a fair share)', () => {
    for (const ts of [four, [...four, t('e')]]) {
      const c = count(assign(new ConsistentHashBalancer(), ts));
      const fair = ips.length / ts.length;
      for (const x of ts) {
        expect(c[x.id]).toBeGreaterThan(fair * 0.65);
        expect(c[x.id]).toBeLessThan(fair * 1.35);
      }
    }
  });

  it('moves only ~1/(N+1) of keys, all onto the new target, when a 5th is added to 4', () => {
    const before = assign(new ConsistentHashBalancer(), four);
    const after = assign(new ConsistentHashBalancer(), [...four, t('e')]);
    let moved = 0;
    for (let i = 0; i < ips.length; i++) {
      if (after[i] !== before[i]) {
        moved++;
        expect(after[i]).toBe('e');
      }
    }
    expect(moved / ips.length).toBeGreaterThan(0.12);
    expect(moved / ips.length).toBeLessThan(0.3);
  });

  it('moves only the removed target’s keys when a target goes away', () => {
    const b = new ConsistentHashBalancer();
    const before = assign(b, four);
    const after = assign(b, four.filter((x) => x.id !== 'b'));
    let moved = 0;
    for (let i = 0; i < ips.length; i++) {
      if (before[i] === 'b') {
        moved++;
        expect(after[i]).not.toBe('b');
      } else {
        expect(after[i]).toBe(before[i]);
      }
    }
    expect(moved).toBeGreaterThan(1000);
  });

  it('honours weights (3:1:0)', () => {
    const c = count(assign(new ConsistentHashBalancer(), [t('a', 3), t('b', 1), t('z', 0)]));
    expect(c.z).toBeUndefined();
    expect(c.a! / ips.length).toBeGreaterThan(0.67);
    expect(c.a! / ips.length).toBeLessThan(0.83);
  });

  it.each([
    ['header:X-User', (v: string): ReqParts => ({ headers: { 'x-user': v } })],
    ['cookie:session', (v: string): ReqParts => ({ cookies: { session: v } })],
    ['query:uid', (v: string): ReqParts => ({ query: { uid: v } })],
  ])('keys on %s, ignoring the client IP', (hashOn, parts) => {
    const b = new ConsistentHashBalancer({ hashOn });
    const byKey = users.map((u, i) => b.pick(four, req(ips[i]!, parts(u)))!.id);
    // Same key from other IPs → same target.
    for (let i = 0; i < 1000; i++) {
      expect(b.pick(four, req(ips[(i * 7919) % ips.length]!, parts(users[i]!)))!.id).toBe(byKey[i]);
    }
    // The key, not the IP, drives the choice: one IP with many keys spreads out…
    const c = count(users.map((u) => b.pick(four, req('10.0.0.1', parts(u)))!.id));
    for (const id of ['a', 'b', 'c', 'd']) expect(c[id]).toBeGreaterThan(2500 * 0.65);
    // …and it matches what the key picks from any other IP.
    expect(users.map((u) => b.pick(four, req('10.9.9.9', parts(u)))!.id)).toEqual(byKey);
  });

  it('falls back to the client IP when the key is missing or empty', () => {
    const byIp = new ConsistentHashBalancer({ hashOn: 'ip' });
    for (const hashOn of ['header:X-User', 'cookie:session', 'query:uid']) {
      const b = new ConsistentHashBalancer({ hashOn });
      for (const ip of ips.slice(0, 500)) {
        const expected = byIp.pick(four, req(ip))!.id;
        expect(b.pick(four, req(ip))!.id).toBe(expected);
        expect(b.pick(four, req(ip, { headers: { 'x-user': '' }, cookies: { session: '' }, query: { uid: '' } }))!.id).toBe(expected);
      }
    }
  });

  it('builds each ring once and reuses it, also across reordering and flapping', () => {
    const b = new ConsistentHashBalancer();
    assign(b, four);
    assign(b, [...four].reverse());
    expect(b.ringsBuilt).toBe(1);
    const three = four.slice(0, 3);
    for (let i = 0; i < 100; i++) b.pick(i % 2 ? three : four, req(ips[i]!));
    expect(b.ringsBuilt).toBe(2);
  });

  it('rebuilds a bounded number of times during a slow-start weight ramp', () => {
    const b = new ConsistentHashBalancer();
    const ramping = { id: 'new', url: 'http://new', inflight: 0, weight: 0.1 };
    const ts = [...four, ramping];
    for (let step = 0; step <= 10_000; step++) {
      ramping.weight = 0.1 + (0.9 * step) / 10_000;
      b.pick(ts, req(ips[step % ips.length]!));
    }
    expect(b.ringsBuilt).toBeGreaterThan(10);
    expect(b.ringsBuilt).toBeLessThan(200);
  });

  it('rejects a malformed hashOn', () => {
    expect(() => new ConsistentHashBalancer({ hashOn: 'header:' })).toThrow(/hashOn/);
    expect(() => new ConsistentHashBalancer({ hashOn: 'body:x' })).toThrow(/hashOn/);
  });
});
