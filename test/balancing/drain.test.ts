/**
 * Draining a target by hand through the engine: no new requests, in-flight
 * ones finish, re-enabling restores it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, load, tally, until } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

describe('manual drain', () => {
  it('stops new requests to a drained target, lets in-flight ones finish, and restores it when re-enabled', async () => {
    const [a, b] = await h.backendsNamed('a', 'b');
    const engine = await h.gateway({ balancer: 'round-robin', targets: [{ url: a.url }, { url: b.url }] });

    // Four slow requests in flight, two on each target.
    a.delayMs = 400;
    b.delayMs = 400;
    const inflight = Promise.all(Array.from({ length: 4 }, () => h.get('/')));
    await until(() => a.hits === 2 && b.hits === 2, 3000, 'four requests in flight');
    expect(engine.upstreamStatus().app.find((t) => t.url === a.url)?.inflight).toBe(2);

    expect(engine.setDrained('app', a.url, true)).toBe(true);
    expect(engine.setDrained('app', 'http://127.0.0.1:1', true)).toBe(false);
    expect(engine.setDrained('nope', a.url, true)).toBe(false);
    const status = engine.upstreamStatus().app.find((t) => t.url === a.url)!;
    expect(status.drained).toBe(true);
    expect(status.available).toBe(false);

    a.delayMs = 0;
    b.delayMs = 0;
    const during = await load(40, 4, () => h.get('/'));
    expect(during.every((r) => r.status === 200 && r.body === 'b')).toBe(true);
    expect(a.hits).toBe(2);

    // The requests that were already on the drained target completed normally.
    const finished = await inflight;
    expect(finished.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(tally(finished.map((r) => r.body))).toEqual({ a: 2, b: 2 });

    const change = h.healthEvents().find((e) => e.target === a.url);
    expect(change).toMatchObject({ upstream: 'app', healthy: false, source: 'manual' });

    expect(engine.setDrained('app', a.url, false)).toBe(true);
    const after = tally((await load(40, 4, () => h.get('/'))).map((r) => r.body));
    expect(after.a).toBeGreaterThanOrEqual(15);
    expect(after.b).toBeGreaterThanOrEqual(15);
    expect(h.healthEvents().filter((e) => e.target === a.url).map((e) => [e.healthy, e.source])).toEqual([
      [false, 'manual'],
      [true, 'manual'],
    ]);
  }, 20_000);

  it('answers 503 with Retry-After when every target is drained', async () => {
    const [a] = await h.backendsNamed('a');
    const engine = await h.gateway({ targets: [{ url: a.url }] });
    engine.setDrained('app', a.url, true);
    const r = await h.get('/');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBeDefined();
    expect(r.headers['content-type']).toMatch(/problem\+json/);
    expect(a.hits).toBe(0);
    engine.setDrained('app', a.url, false);
    expect((await h.get('/')).body).toBe('a');
  }, 20_000);
});
