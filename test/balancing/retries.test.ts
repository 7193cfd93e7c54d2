/**
 * Retries through the real gateway: which requests may be retried, when it is
 * too late, the retry budget, and what the events say about attempts and
 * timing phases.
 */
import type http from 'node:http';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src-proxy/events.js';
import { Harness, hashingHandler, load, sha256, sleep, until } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

type Complete = Extract<EngineEvent, { type: 'exchange.complete' }>;
const upstreamEvents = () => h.eventsOf('exchange.upstream');
const completeEvents = () => h.eventsOf('exchange.complete');

/** Upstream behaviour: drop the connection as soon as the request arrives. */
const resetting = (req: http.IncomingMessage) => {
  req.socket.destroy();
};

function expectSaneTimings(c: Complete): void {
  const t = c.timings;
  for (const phase of ['queue', 'connect', 'ttfb', 'total'] as const) {
    expect(t[phase], `${phase} in ${JSON.stringify(t)}`).toBeGreaterThanOrEqual(0);
  }
  expect(t.total).toBeGreaterThanOrEqual(t.ttfb);
  expect(t.total + 1e-6).toBeGreaterThanOrEqual(t.queue + t.connect + t.ttfb);
}

describe('retries', () => {
  it('retries an idempotent GET on another target and reports every attempt in events', async () => {
    const [bad, good] = await h.backendsNamed('bad', 'good');
    bad.status = 502;
    await h.gateway({ balancer: 'round-robin', targets: [{ url: bad.url }, { url: good.url }], retry: { attempts: 2, on: [502] } });

    const replies = await load(10, 1, () => h.get('/'));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(replies.every((r) => r.body === 'good')).toBe(true);
    expect(bad.hits).toBeGreaterThan(0);

    await until(() => completeEvents().length === 10, 2000, 'completion events');
    const retried = completeEvents().filter((c) => c.attempts === 2);
    expect(retried.length).toBe(bad.hits);
    for (const c of retried) {
      const attempts = upstreamEvents().filter((u) => u.id === c.id);
      expect(attempts.map((u) => u.attempt)).toEqual([1, 2]);
      expect(attempts[0].target).toBe(bad.url);
      expect(attempts[0].retryReason).toBeUndefined();
      expect(attempts[1].target).toBe(good.url);
      expect(attempts[1].retryReason).toBe('502');
      expect(c.target).toBe(good.url);
      expect(c.status).toBe(200);
      expectSaneTimings(c);
    }
    for (const c of completeEvents().filter((c) => c.attempts === 1)) {
      expect(upstreamEvents().filter((u) => u.id === c.id).map((u) => u.attempt)).toEqual([1]);
    }
  }, 20_000);

  it('never retries a POST after a reset, but does retry a PUT (its body copied) and a GET', async () => {
    const [a, b] = await Promise.all([h.backend('a', resetting), h.backend('b', resetting)]);
    await h.gateway({
      balancer: 'round-robin',
      targets: [{ url: a.url }, { url: b.url }],
      retry: { attempts: 2, on: ['connect-failure', 'reset', 502, 503] },
    });

    const post = await h.get('/', { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(post.status).toBe(502);
    expect(a.hits + b.hits).toBe(1);

    // Idempotent: resent from the copy the gateway keeps of a small body (retry-body.test.ts).
    const put = await h.get('/', { method: 'PUT', body: 'hello' });
    expect(put.status).toBe(502);
    expect(a.hits + b.hits).toBe(3);

    const get = await h.get('/');
    expect(get.status).toBe(502);
    expect(a.hits + b.hits).toBe(5);
    await until(() => completeEvents().length === 3, 2000, 'completion events');
    expect(completeEvents().map((c) => c.attempts)).toEqual([1, 2, 2]);
  }, 20_000);

  it('retries any request, body included, on a target it could not connect to: the upload arrives whole', async () => {
    const good = await h.backend('good', hashingHandler);
    const dead = await h.backend('dead');
    await dead.kill();
    await h.gateway({ balancer: 'round-robin', targets: [{ url: dead.url }, { url: good.url }], retry: { attempts: 1, on: ['connect-failure'], budget: 1 } });

    const upload = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    for (let i = 0; i < 4; i++) {
      // Content-Length and chunked bodies, POST and PATCH: round-robin sends every other one to the dead target first.
      const method = i % 2 === 0 ? 'POST' : 'PATCH';
      const body = i < 2 ? upload : Readable.from([upload.subarray(0, 1000), upload.subarray(1000)]);
      const res = await request(h.url, { method, body });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe(`${method} ${upload.length} ${sha256(upload)}`);
    }
    await until(() => completeEvents().length === 4, 2000, 'completion events');
    expect(completeEvents().map((c) => c.attempts).sort()).toEqual([1, 1, 2, 2]);
    expect(upstreamEvents().filter((u) => u.retryReason === 'connect-failure')).toHaveLength(2);
  }, 20_000);

  it('never retries a POST that got a retryable status', async () => {
    const [a, b] = await h.backendsNamed('a', 'b');
    a.status = 503;
    b.status = 503;
    await h.gateway({ balancer: 'round-robin', targets: [{ url: a.url }, { url: b.url }], retry: { attempts: 2, on: [503] } });
    const post = await h.get('/', { method: 'POST', body: 'x' });
    expect(post.status).toBe(503);
    expect(a.hits + b.hits).toBe(1);
  }, 20_000);

  it('never retries once response bytes reached the client: the client sees a truncated body', async () => {
    const dying = (req: http.IncomingMessage, res: http.ServerResponse) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
      res.write('partial-');
      setTimeout(() => res.socket?.destroy(), 30);
    };
    const [a, b] = await Promise.all([h.backend('a', dying), h.backend('b', dying)]);
    await h.gateway({
      balancer: 'round-robin',
      targets: [{ url: a.url }, { url: b.url }],
      retry: { attempts: 2, on: ['connect-failure', 'reset', 'timeout', 502, 503] },
    });

    const { request } = await import('undici');
    const res = await request(h.url + '/', { dispatcher: h.client });
    expect(res.statusCode).toBe(200);
    let received = '';
    let failed = false;
    try {
      for await (const chunk of res.body) received += String(chunk);
    } catch {
      failed = true;
    }
    expect(failed, 'the client must see the response cut short').toBe(true);
    expect(received.startsWith('partial-')).toBe(true);
    expect(received.length).toBeLessThan(100000);
    await sleep(100);
    expect(a.hits + b.hits).toBe(1);

    await until(() => completeEvents().length === 1, 2000, 'completion event');
    const c = completeEvents()[0];
    expect(c.attempts).toBe(1);
    expect(c.error?.code).toBe('UPSTREAM_RESET');
    expect(upstreamEvents().map((u) => u.attempt)).toEqual([1]);
  }, 20_000);

  it('the retry budget caps retries (budget 0 → only the floor of 10 per window); budget 1 retries everything', async () => {
    const [bad, good] = await h.backendsNamed('bad', 'good');
    bad.status = 503;
    const upstream = (budget: number) => ({
      balancer: 'round-robin',
      targets: [{ url: bad.url }, { url: good.url }],
      retry: { attempts: 1, on: [503], budget },
    });

    // Generous budget: every request that met the bad target is retried.
    await h.gateway(upstream(1));
    const generous = await load(60, 1, () => h.get('/'));
    expect(generous.filter((r) => r.status !== 200)).toEqual([]);
    const generousRetries = upstreamEvents().filter((u) => u.attempt === 2).length;
    expect(generousRetries).toBeGreaterThanOrEqual(30);

    // No budget: a fresh upstream (new config) allows only the fixed floor.
    await h.reapply(upstream(0));
    h.events.length = 0;
    const started = Date.now();
    const tight = await load(100, 1, () => h.get('/'));
    const seconds = (Date.now() - started) / 1000;
    const retries = upstreamEvents().filter((u) => u.attempt === 2).length;
    const failures = tight.filter((r) => r.status === 503).length;
    expect(retries).toBeGreaterThanOrEqual(10);
    // 10 per rolling window of up to two seconds.
    expect(retries).toBeLessThanOrEqual(10 * (Math.ceil(seconds) + 1));
    expect(failures).toBeGreaterThanOrEqual(20);
    expect(tight.every((r) => r.status === 200 || r.status === 503)).toBe(true);
  }, 30_000);

  it('reports timing phases: a slow upstream shows in ttfb, all phases ≥ 0, total ≥ ttfb', async () => {
    const slow = await h.backend('slow');
    slow.delayMs = 80;
    await h.gateway({ targets: [{ url: slow.url }] });
    await h.get('/');
    await until(() => completeEvents().length === 1, 2000, 'completion event');
    const c = completeEvents()[0];
    expect(c.attempts).toBe(1);
    expectSaneTimings(c);
    expect(c.timings.ttfb).toBeGreaterThanOrEqual(70);
    expect(c.timings.total).toBeGreaterThanOrEqual(70);
  }, 20_000);

  it('keeps timing phases non-negative when a later attempt fails after an earlier one got an answer', async () => {
    // First attempt: a 502 answer (ttfb recorded); second attempt: the connection is dropped.
    const first = await h.backend('first');
    first.status = 502;
    first.delayMs = 5;
    const second = await h.backend('second', (req) => setTimeout(() => req.socket.destroy(), 30));
    await h.gateway({
      balancer: 'round-robin',
      targets: [{ url: first.url }, { url: second.url }],
      retry: { attempts: 1, on: [502, 'reset'] },
    });
    const r = await h.get('/');
    expect(r.status).toBe(502);
    expect(first.hits).toBe(1);
    expect(second.hits).toBe(1);
    await until(() => completeEvents().length === 1, 2000, 'completion event');
    const c = completeEvents()[0];
    expect(c.attempts).toBe(2);
    expect(upstreamEvents().map((u) => [u.target, u.attempt])).toEqual([
      [first.url, 1],
      [second.url, 2],
    ]);
    expectSaneTimings(c);
  }, 20_000);
});
