/**
 * Retries and failover probed the way an operator would: every `retry.on`
 * condition on its own, a retry never landing on a target already tried, the
 * budget bounding upstream attempts under a failing upstream, 4xx never
 * counting as failures, and the 503 when nothing is left.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, load, sleep, until } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

const upstreamEvents = () => h.eventsOf('exchange.upstream');
const completeEvents = () => h.eventsOf('exchange.complete');

/** A URL nothing listens on (a port bound, then released). */
async function deadUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

describe('retry conditions (adversarial)', () => {
  it('honours each condition only when listed: connect-failure, reset, timeout, a status', async () => {
    const good = await h.backend('good');
    const resetting = await h.backend('reset', (req) => req.socket.destroy());
    const hanging = await h.backend('hang', () => undefined);
    const failing = await h.backend('500');
    failing.status = 500;
    const dead = await deadUrl();

    // For each failing kind: listed → the client gets the good answer after 2 attempts; not listed → an error after 1.
    const cases: { url: string; on: (string | number)[]; off: (string | number)[]; status: number }[] = [
      { url: dead, on: ['connect-failure'], off: ['reset', 'timeout', 502], status: 502 },
      { url: resetting.url, on: ['reset'], off: ['connect-failure', 'timeout', 502], status: 502 },
      { url: hanging.url, on: ['timeout'], off: ['connect-failure', 'reset', 502], status: 504 },
      { url: failing.url, on: [500], off: ['connect-failure', 'reset', 'timeout', 502, 503], status: 500 },
    ];
    for (const c of cases) {
      for (const [on, expected] of [
        [c.on, 200],
        [c.off, c.status],
      ] as const) {
        const config = {
          balancer: 'round-robin',
          targets: [{ url: c.url }, { url: good.url }],
          retry: { attempts: 1, on, budget: 1 },
          timeouts: { response: '300ms' },
        };
        if (h.engine) await h.reapply(config);
        else await h.gateway(config);
        h.events.length = 0;
        // Round-robin starts at the first target: the failing one.
        const r = await h.get('/');
        expect(r.status, `${c.url} with on=${JSON.stringify(on)}`).toBe(expected);
        await until(() => completeEvents().length === 1, 3000, 'completion');
        expect(completeEvents()[0].attempts, `${c.url} with on=${JSON.stringify(on)}`).toBe(expected === 200 ? 2 : 1);
      }
    }
  }, 30_000);

  it('never sends one request to the same target twice, even with more attempts than targets', async () => {
    const backends = await h.backendsNamed('a', 'b', 'c', 'd');
    for (const b of backends.slice(0, 3)) b.status = 503;
    await h.gateway({
      balancer: 'random',
      targets: backends.map((b) => ({ url: b.url })),
      retry: { attempts: 10, on: [503], budget: 1 },
    });
    // Few enough requests that the budget (10 + 1 × requests) never runs out.
    const replies = await load(6, 1, () => h.get('/'));
    expect(replies.map((r) => r.body)).toEqual(Array(6).fill('d'));
    await until(() => completeEvents().length === 6, 3000, 'completions');
    for (const c of completeEvents()) {
      const targets = upstreamEvents()
        .filter((u) => u.id === c.id)
        .map((u) => u.target);
      expect(new Set(targets).size, JSON.stringify(targets)).toBe(targets.length);
      expect(c.attempts).toBe(targets.length);
    }
    expect(completeEvents().some((c) => c.attempts > 1)).toBe(true);
  }, 20_000);

  it('bounds upstream attempts under an upstream where every target fails (budget 0: only the floor)', async () => {
    const backends = await h.backendsNamed('a', 'b', 'c');
    for (const b of backends) b.status = 503;
    await h.gateway({
      balancer: 'round-robin',
      targets: backends.map((b) => ({ url: b.url })),
      retry: { attempts: 2, on: [503], budget: 0 },
    });
    const started = Date.now();
    const replies = await load(200, 4, () => h.get('/'));
    const seconds = (Date.now() - started) / 1000;
    expect(replies.every((r) => r.status === 503)).toBe(true);
    const attempts = backends.reduce((n, b) => n + b.hits, 0);
    // 200 first tries plus at most 10 retries per rolling window (at most two windows per second of the run, rounded up).
    expect(attempts).toBeGreaterThanOrEqual(200 + 10);
    expect(attempts).toBeLessThanOrEqual(200 + 10 * (Math.ceil(seconds) + 1));
  }, 30_000);

  it('a retryable status from the last available target goes to the client as is', async () => {
    const [a, b] = await h.backendsNamed('a', 'b');
    a.status = 503;
    b.status = 503;
    await h.gateway({ balancer: 'round-robin', targets: [{ url: a.url }, { url: b.url }], retry: { attempts: 3, on: [503] } });
    const r = await h.get('/');
    expect(r.status).toBe(503);
    expect(r.body).toBe('b');
    expect(a.hits + b.hits).toBe(2);
  }, 20_000);
});

describe('passive health (adversarial)', () => {
  it('never counts 4xx (or 500) answers as failures', async () => {
    const [a, b] = await h.backendsNamed('a', 'b');
    a.status = 404;
    b.status = 500;
    const engine = await h.gateway({
      balancer: 'round-robin',
      targets: [{ url: a.url }, { url: b.url }],
      outlierDetection: { consecutiveFailures: 2, ejectFor: '30s' },
    });
    await load(40, 2, () => h.get('/'));
    expect(a.hits).toBe(20);
    expect(b.hits).toBe(20);
    expect(h.healthEvents()).toEqual([]);
    expect(engine.upstreamStatus().app.map((t) => [t.available, t.failures])).toEqual([
      [true, 0],
      [true, 0],
    ]);
  }, 20_000);

  it('answers 503 with Retry-After and a problem naming the upstream when every target is ejected', async () => {
    const [a, b] = await h.backendsNamed('a', 'b');
    a.status = 502;
    b.status = 502;
    await h.gateway({
      balancer: 'round-robin',
      targets: [{ url: a.url }, { url: b.url }],
      outlierDetection: { consecutiveFailures: 1, ejectFor: '30s', maxEjectionPercent: 100 },
    });
    await h.get('/');
    await h.get('/');
    const r = await h.get('/');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    const problem = JSON.parse(r.body) as { status: number; code: string; detail: string };
    expect(problem).toMatchObject({ status: 503, code: 'NO_HEALTHY_TARGET' });
    expect(problem.detail).toBe('Upstream "app" has no healthy target: 2 of 2 ejected by outlier detection.');
    expect(a.hits + b.hits).toBe(2);
  }, 20_000);

  it('an ejected target stays out of rotation across a config re-apply that keeps it', async () => {
    const [good, bad] = await h.backendsNamed('good', 'bad');
    bad.status = 502;
    const config = (extraWeight: number) => ({
      balancer: 'round-robin',
      targets: [{ url: good.url, weight: extraWeight }, { url: bad.url }],
      outlierDetection: { consecutiveFailures: 2, ejectFor: '30s' },
    });
    const engine = await h.gateway(config(1));
    await load(4, 1, () => h.get('/'));
    expect(bad.hits).toBe(2);
    expect(engine.upstreamStatus().app[1]).toMatchObject({ ejected: true, available: false });
    await h.reapply(config(2));
    expect(engine.upstreamStatus().app[1]).toMatchObject({ ejected: true, available: false });
    const replies = await load(20, 2, () => h.get('/'));
    expect(replies.every((r) => r.body === 'good')).toBe(true);
    expect(bad.hits).toBe(2);
  }, 20_000);

  it('a request in flight across a re-apply counts for the live target, with no ghost event from the old one', async () => {
    const [bad, good] = await h.backendsNamed('bad', 'good');
    bad.status = 502;
    bad.delayMs = 400;
    const config = (goodWeight: number) => ({
      balancer: 'round-robin',
      targets: [{ url: bad.url }, { url: good.url, weight: goodWeight }],
      outlierDetection: { consecutiveFailures: 1, ejectFor: '30s' },
    });
    const engine = await h.gateway(config(1));
    // Round-robin sends the first request to `bad`; the config changes while it waits.
    const pending = h.get('/');
    await until(() => bad.hits === 1, 3000, 'the request at bad');
    await h.reapply(config(2));
    expect((await pending).status).toBe(502);
    await until(() => h.healthEvents().length > 0, 3000, 'the ejection');
    expect(engine.upstreamStatus().app[0]).toMatchObject({ url: bad.url, ejected: true, failures: 1 });
    expect(h.healthEvents()).toHaveLength(1);
    expect(h.healthEvents()[0]).toMatchObject({ target: bad.url, healthy: false, source: 'passive' });
    expect((await h.get('/')).body).toBe('good');
    expect(bad.hits).toBe(1);
  }, 20_000);

  it('a request in flight on a target removed by a re-apply reports no ghost ejection', async () => {
    const [bad, good] = await h.backendsNamed('bad', 'good');
    bad.status = 502;
    bad.delayMs = 400;
    const config = (targets: string[]) => ({
      balancer: 'round-robin',
      targets: targets.map((url) => ({ url })),
      outlierDetection: { consecutiveFailures: 1, ejectFor: '30s' },
    });
    await h.gateway(config([bad.url, good.url]));
    const pending = h.get('/');
    await until(() => bad.hits === 1, 3000, 'the request at bad');
    await h.reapply(config([good.url]));
    expect((await pending).status).toBe(502);
    await sleep(100);
    expect(h.healthEvents()).toEqual([]);
  }, 20_000);
});
