/**
 * Sticky sessions by cookie, through the real gateway with round-robin
 * underneath (which would otherwise rotate every request).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, load, until, type Reply } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

const COOKIE = 'swy_sticky';

/** The value of our sticky cookie in a response's Set-Cookie, if any. */
function stickyValue(r: Reply): string | undefined {
  const raw = r.headers['set-cookie'];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  for (const c of list) {
    const m = new RegExp(`^${COOKIE}=([^;]*)`).exec(c);
    if (m) return m[1];
  }
  return undefined;
}

describe('sticky cookie', () => {
  it('pins a client to one target, and moves it with a new cookie when that target goes down', async () => {
    const backends = await h.backendsNamed('a', 'b', 'c');
    await h.gateway({
      balancer: 'round-robin',
      targets: backends.map((b) => ({ url: b.url })),
      sticky: { cookie: COOKIE },
      healthCheck: { path: '/health', interval: '100ms', timeout: '1s', unhealthyAfter: 1, healthyAfter: 1 },
    });

    // Without the cookie, round-robin rotates over all three.
    const plain = await load(3, 1, () => h.get('/'));
    expect(new Set(plain.map((r) => r.body)).size).toBe(3);

    const first = await h.get('/');
    const cookie = stickyValue(first);
    expect(cookie, 'first response sets the sticky cookie').toBeTruthy();
    expect(String(first.headers['set-cookie'])).toMatch(/Path=\/; HttpOnly/);
    const pinned = first.body;

    const sticky = await load(30, 3, () => h.get('/', { headers: { cookie: `other=1; ${COOKIE}=${cookie}` } }));
    for (const r of sticky) {
      expect(r.body).toBe(pinned);
      // Already pinned: no new cookie.
      expect(stickyValue(r)).toBeUndefined();
    }

    // The pinned target starts failing its health checks.
    const down = backends.find((b) => b.name === pinned)!;
    down.healthStatus = 503;
    await until(() => h.healthEvents().some((e) => e.target === down.url && !e.healthy), 5000, 'the pinned target to go down');

    const moved = await h.get('/', { headers: { cookie: `${COOKIE}=${cookie}` } });
    expect(moved.status).toBe(200);
    expect(moved.body).not.toBe(pinned);
    const fresh = stickyValue(moved);
    expect(fresh, 'moved client gets a new cookie').toBeTruthy();
    expect(fresh).not.toBe(cookie);

    // The new cookie pins it to its new target.
    const after = await load(20, 2, () => h.get('/', { headers: { cookie: `${COOKIE}=${fresh}` } }));
    expect(new Set(after.map((r) => r.body))).toEqual(new Set([moved.body]));
    expect(after.every((r) => stickyValue(r) === undefined)).toBe(true);
  }, 20_000);

  it('moves the client at once (retry) when its pinned target is killed before health notices', async () => {
    const backends = await h.backendsNamed('a', 'b', 'c');
    await h.gateway({
      balancer: 'round-robin',
      targets: backends.map((b) => ({ url: b.url })),
      sticky: { cookie: COOKIE },
      retry: { attempts: 2, on: ['connect-failure', 'reset'] },
    });
    const first = await h.get('/');
    const cookie = stickyValue(first)!;
    const pinned = backends.find((b) => b.name === first.body)!;
    await pinned.kill();

    const moved = await h.get('/', { headers: { cookie: `${COOKIE}=${cookie}` } });
    expect(moved.status).toBe(200);
    expect(moved.body).not.toBe(pinned.name);
    const fresh = stickyValue(moved);
    expect(fresh).toBeTruthy();
    expect(fresh).not.toBe(cookie);
    const again = await h.get('/', { headers: { cookie: `${COOKIE}=${fresh}` } });
    expect(again.body).toBe(moved.body);
  }, 20_000);
});
