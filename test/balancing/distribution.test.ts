/**
 * How each balancer spreads real traffic through the real gateway: a few
 * thousand requests against node:http upstreams that answer with their name.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, load, share, tally } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

const targets = (...bs: { url: string }[]) => bs.map((b) => ({ url: b.url }));
/** The slow target's delay: the fast ones answer in a few ms, or tens of ms on a busy CI machine. */
const SLOW_MS = 200;

describe('balancer distribution through the gateway', () => {
  it('weighted-round-robin honours 3:1 within a few percent', async () => {
    const [a, b] = await h.backendsNamed('a', 'b');
    await h.gateway({ balancer: 'weighted-round-robin', targets: [{ url: a.url, weight: 3 }, { url: b.url, weight: 1 }] }, { record: false });
    const replies = await load(2000, 8, () => h.get('/'));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const t = tally(replies.map((r) => r.body));
    expect(share(t, 'a')).toBeGreaterThan(0.72);
    expect(share(t, 'a')).toBeLessThan(0.78);
    // The backends agree with what the clients saw.
    expect(a.hits + b.hits).toBe(2000);
    expect(a.hits).toBe(t.a);
  }, 30_000);

  it('round-robin is even across three targets', async () => {
    const [a, b, c] = await h.backendsNamed('a', 'b', 'c');
    await h.gateway({ balancer: 'round-robin', targets: targets(a, b, c) }, { record: false });
    const replies = await load(3000, 8, () => h.get('/'));
    const t = tally(replies.map((r) => r.body));
    for (const name of ['a', 'b', 'c']) {
      expect(share(t, name)).toBeGreaterThan(0.31);
      expect(share(t, name)).toBeLessThan(0.355);
    }
  }, 30_000);

  it('least-connections sends far fewer requests to a slow target under concurrency', async () => {
    const [fast1, fast2, slow] = await h.backendsNamed('fast1', 'fast2', 'slow');
    // Far slower than a fast answer can get on a loaded machine (tens of ms): its share is about
    // fast latency / (fast latency + 2 × delay), so the bound holds however slow the machine is.
    slow.delayMs = SLOW_MS;
    await h.gateway({ balancer: 'least-connections', targets: targets(fast1, fast2, slow) }, { record: false });
    const replies = await load(1500, 8, () => h.get('/'));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const t = tally(replies.map((r) => r.body));
    // Round-robin would give it a third; least-connections keeps it to a small share.
    expect(share(t, 'slow')).toBeGreaterThan(0);
    expect(share(t, 'slow')).toBeLessThan(0.12);
  }, 30_000);

  it('ip-hash keeps each client address on one target and spreads addresses', async () => {
    const [a, b, c] = await h.backendsNamed('a', 'b', 'c');
    await h.gateway({ balancer: 'ip-hash', targets: targets(a, b, c) });
    const placement = new Map<string, string>();
    for (let i = 2; i <= 25; i++) {
      const address = `127.0.0.${i}`;
      const dispatcher = h.agent(address);
      const replies = await load(15, 3, () => h.get('/', { dispatcher }));
      const seen = new Set(replies.map((r) => r.body));
      expect(seen.size, `client ${address} moved between ${[...seen].join(', ')}`).toBe(1);
      placement.set(address, [...seen][0]);
    }
    // The gateway really saw the distinct source addresses…
    const seenAddresses = new Set(h.events.flatMap((e) => (e.type === 'exchange.start' ? [e.clientAddress] : [])));
    expect(seenAddresses).toEqual(new Set(placement.keys()));
    // …and 24 clients spread over the targets.
    const used = new Set(placement.values());
    expect(used.size).toBeGreaterThanOrEqual(2);
    // And it is a function of the address: ask again, same answers.
    for (const [address, name] of placement) {
      const r = await h.get('/', { dispatcher: h.agent(address) });
      expect(r.body).toBe(name);
    }
  }, 30_000);

  it('consistent-hash on header:x-user is stable per key and moves about 1/N of keys when a target is added', async () => {
    const [a, b, c, d] = await h.backendsNamed('a', 'b', 'c', 'd');
    const upstream = (...bs: { url: string }[]) => ({ balancer: 'consistent-hash', hashOn: 'header:x-user', targets: targets(...bs) });
    await h.gateway(upstream(a, b, c), { record: false });
    const users = Array.from({ length: 400 }, (_, i) => `user-${i}`);
    const place = async () => {
      const out = new Map<string, string>();
      await load(users.length, 8, async (i) => {
        const first = await h.get('/', { headers: { 'x-user': users[i] } });
        const again = await h.get('/', { headers: { 'x-user': users[i] } });
        expect(again.body, `key ${users[i]} is not stable`).toBe(first.body);
        out.set(users[i], first.body);
      });
      return out;
    };
    const before = await place();
    const t = tally(before.values());
    for (const name of ['a', 'b', 'c']) expect(share(t, name)).toBeGreaterThan(0.15);

    await h.reapply(upstream(a, b, c, d));
    const after = await place();
    let moved = 0;
    for (const u of users) {
      if (after.get(u) !== before.get(u)) {
        moved++;
        // A key only ever moves onto the new target.
        expect(after.get(u)).toBe('d');
      }
    }
    // Ideal is 1/4 of the keys; allow for ring variance.
    expect(moved / users.length).toBeGreaterThan(0.12);
    expect(moved / users.length).toBeLessThan(0.4);
  }, 30_000);

  it('random follows weights roughly (2:1:1)', async () => {
    const [a, b, c] = await h.backendsNamed('a', 'b', 'c');
    await h.gateway({ balancer: 'random', targets: [{ url: a.url, weight: 2 }, { url: b.url }, { url: c.url }] }, { record: false });
    const replies = await load(3000, 8, () => h.get('/'));
    const t = tally(replies.map((r) => r.body));
    expect(share(t, 'a')).toBeGreaterThan(0.44);
    expect(share(t, 'a')).toBeLessThan(0.56);
    for (const name of ['b', 'c']) {
      expect(share(t, name)).toBeGreaterThan(0.19);
      expect(share(t, name)).toBeLessThan(0.31);
    }
  }, 30_000);

  it('p2c uses every target and steers away from a slow one', async () => {
    const [a, b, c] = await h.backendsNamed('a', 'b', 'c');
    await h.gateway({ balancer: 'p2c', targets: targets(a, b, c) }, { record: false });
    // Sequential requests: nothing in flight, so the first draw wins — plain random.
    const even = tally((await load(1500, 1, () => h.get('/'))).map((r) => r.body));
    for (const name of ['a', 'b', 'c']) {
      expect(share(even, name)).toBeGreaterThan(0.26);
      expect(share(even, name)).toBeLessThan(0.41);
    }
    // Under concurrency a slow target loses most comparisons (slower by far more than CPU load
    // can slow the others, so how much it loses does not depend on the machine).
    c.delayMs = SLOW_MS;
    const loaded = tally((await load(1500, 8, () => h.get('/'))).map((r) => r.body));
    expect(share(loaded, 'c')).toBeGreaterThan(0);
    expect(share(loaded, 'c')).toBeLessThan(0.2);
  }, 30_000);
});
