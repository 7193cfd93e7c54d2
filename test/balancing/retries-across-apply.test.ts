/**
 * A config re-apply while requests are in flight: a request keeps the config
 * it started with, but the replaced upstream's pools close, so its later
 * attempts (a retry) go to the live targets — to the same servers, without
 * charging a failure to one it never reached. Least-connections keeps seeing
 * the requests still running on the old pools.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, planOf, sleep, until } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

describe('attempts across a config re-apply', () => {
  it('a retry that starts after the apply reaches the live target and is answered', async () => {
    const slow503 = await h.backend('a', (_req, res) => setTimeout(() => res.writeHead(503).end('a-503'), 400));
    const good = await h.backend('b');
    const upstream = (connect: string) => ({
      balancer: 'round-robin',
      targets: [{ url: slow503.url }, { url: good.url }],
      retry: { attempts: 1, on: ['connect-failure', 503] },
      outlierDetection: { consecutiveFailures: 1, ejectFor: '30s', maxEjectionPercent: 100 },
      timeouts: { connect },
    });
    await h.gateway(upstream('2s'));
    const inFlight = h.get('/x'); // round-robin: the first pick is a
    await until(() => slow503.hits === 1, 5000, 'the request to reach a');
    await h.reapply(upstream('3s')); // any change to the upstream replaces it (and its pools)
    const reply = await inFlight;
    expect(reply).toMatchObject({ status: 200, body: 'b' });
    expect(good.hits).toBe(1);
    const status = h.engine!.upstreamStatus().app;
    expect(status.find((t) => t.url === good.url)).toMatchObject({ failures: 0, ejected: false });
    // a's 503 counted against a (in the new generation: the same server), and ejected it.
    expect(status.find((t) => t.url === slow503.url)).toMatchObject({ failures: 1, ejected: true });
    expect((await h.get('/y')).body).toBe('b');
  });

  it('least-connections counts the requests still running on the replaced pools', async () => {
    const held: { at: string; release: () => void }[] = [];
    const holding = (name: string) => (req: { url?: string }, res: { end: (s: string) => void }) => {
      if (req.url === '/slow') held.push({ at: name, release: () => res.end(name) });
      else res.end(name);
    };
    const a = await h.backend('a', holding('a'));
    const b = await h.backend('b', holding('b'));
    const upstream = (idle: string) => ({ balancer: 'least-connections', targets: [{ url: a.url }, { url: b.url }], timeouts: { idle } });
    await h.gateway(upstream('60s'));
    // Six long requests, three on each; then b's end, so a alone has three in flight.
    const slow = [0, 1, 2, 3, 4, 5].map(() => h.get('/slow'));
    await until(() => held.length === 6, 5000, 'six slow requests held');
    expect(held.filter((x) => x.at === 'a')).toHaveLength(3);
    for (const x of held.filter((x) => x.at === 'b')) x.release();
    await until(() => h.engine!.upstreamStatus().app.find((t) => t.url === b.url)!.inflight === 0, 5000, 'b to be idle');

    await h.reapply(upstream('61s'));
    const inflight = () => Object.fromEntries(h.engine!.upstreamStatus().app.map((t) => [t.url === a.url ? 'a' : 'b', t.inflight]));
    expect(inflight()).toEqual({ a: 3, b: 0 });
    const picks: string[] = [];
    for (let i = 0; i < 6; i++) picks.push((await h.get('/fast')).body);
    expect(picks).toEqual(['b', 'b', 'b', 'b', 'b', 'b']);
    for (const x of held.filter((x) => x.at === 'a')) x.release();
    await Promise.all(slow);
    expect(inflight()).toEqual({ a: 0, b: 0 });
  });

  it('a request whose upstream was removed meanwhile gets a 503 that says so', async () => {
    const b = await h.backend('b');
    // The route waits in a fault delay, so the request reaches the proxy step after the apply.
    const before = `version: 1
listeners: [{ name: web, address: 127.0.0.1:0 }]
policies:
  wait: { type: fault, delay: 400ms }
routes:
  - { name: slow, match: { path: /slow }, policies: [wait], upstream: u }
upstreams:
  u: { targets: [{ url: "${b.url}" }] }
`;
    const after = `version: 1
listeners: [{ name: web, address: 127.0.0.1:0 }]
routes:
  - { name: other, match: { path: /other }, respond: { status: 204 } }
`;
    const engine = await h.gateway({ targets: [{ url: b.url }] });
    await engine.apply(planOf(before));
    const pending = h.get('/slow');
    await sleep(100);
    await engine.apply(planOf(after));
    const reply = await pending;
    expect(reply.status).toBe(503);
    expect(JSON.parse(reply.body).detail).toBe('Upstream "u" was removed by a configuration change.');
    expect(b.hits).toBe(0);
  });
});
