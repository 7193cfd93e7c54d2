/**
 * Active health checks probed the way an operator would: exact threshold
 * counts, a hanging check endpoint, 3xx answers, events only on transitions,
 * and config re-applies that keep health state without leaking checkers.
 */
import type http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, sleep, until } from '../balancing/harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

// Where a test counts probes or expects no event at all, the probe timeout is long (1s, well over
// the 100ms interval): a busy machine must not turn a live target's slow answer into a failure.
// The tests about timeouts themselves keep a short one.
describe('active health checks (adversarial)', () => {
  it('marks a target down after exactly unhealthyAfter failures and up after exactly healthyAfter successes, one event each', async () => {
    const [a, b] = await h.backendsNamed('a', 'b');
    await h.gateway({
      balancer: 'round-robin',
      targets: [{ url: a.url }, { url: b.url }],
      healthCheck: { path: '/health', interval: '100ms', timeout: '1s', unhealthyAfter: 3, healthyAfter: 2 },
    });
    await until(() => a.healthHits >= 2, 5000, 'first checks');
    // From the probe that sees the first 503, count probes until the down event.
    const startHits = a.healthHits;
    a.healthStatus = 503;
    await until(() => h.healthEvents().length === 1, 5000, 'down event');
    const downAt = a.healthHits - startHits;
    // Exactly 3 failing probes (a probe in flight when the status changed may have seen 200: allow one more).
    expect(downAt).toBeGreaterThanOrEqual(3);
    expect(downAt).toBeLessThanOrEqual(4);
    // Keep failing for many more intervals: no further events.
    const more = a.healthHits;
    await until(() => a.healthHits >= more + 10, 5000, 'ten more failing probes');
    expect(h.healthEvents().length).toBe(1);
    expect(h.healthEvents()[0]).toMatchObject({ target: a.url, healthy: false, source: 'active' });
    expect(h.healthEvents()[0].reason).toMatch(/3 times: status 503/);

    const upStart = a.healthHits;
    a.healthStatus = 200;
    await until(() => h.healthEvents().length === 2, 5000, 'up event');
    const upAt = a.healthHits - upStart;
    expect(upAt).toBeGreaterThanOrEqual(2);
    expect(upAt).toBeLessThanOrEqual(3);
    const later = a.healthHits;
    await until(() => a.healthHits >= later + 10, 5000, 'ten more passing probes');
    expect(h.healthEvents().map((e) => e.healthy)).toEqual([false, true]);
    expect(b.healthHits).toBeGreaterThan(0);
  }, 20_000);

  it('counts a hanging check endpoint as a failure (timeout) and keeps probing on schedule', async () => {
    const hang = new Set<http.ServerResponse>();
    const [a, b] = await h.backendsNamed('a', 'b');
    let hanging = false;
    // Wrap the backend's request handling: /health hangs while `hanging` is set.
    const server = a as unknown as { handle: (req: http.IncomingMessage, res: http.ServerResponse) => void };
    const plain = server.handle.bind(a);
    server.handle = (req, res) => {
      if (req.url === '/health' && hanging) {
        a.healthHits++;
        hang.add(res);
        return;
      }
      plain(req, res);
    };
    await h.gateway({
      balancer: 'round-robin',
      targets: [{ url: a.url }, { url: b.url }],
      healthCheck: { path: '/health', interval: '100ms', timeout: '100ms', unhealthyAfter: 2, healthyAfter: 1 },
    });
    hanging = true;
    await until(() => h.healthEvents().some((e) => e.target === a.url && !e.healthy), 8000, 'hanging target marked down');
    const down = h.healthEvents().find((e) => e.target === a.url)!;
    expect(down.reason).toMatch(/timed out/);
    // Traffic avoids it.
    const before = a.hits;
    for (let i = 0; i < 10; i++) expect((await h.get('/')).body).toBe('b');
    expect(a.hits).toBe(before);
    hanging = false;
    for (const r of hang) r.destroy();
    await until(() => h.healthEvents().filter((e) => e.target === a.url).length === 2, 8000, 'back up');
    expect(h.healthEvents().filter((e) => e.target === a.url).map((e) => e.healthy)).toEqual([false, true]);
  }, 20_000);

  it('counts an answer whose body stalls past the timeout as a failure, not its status alone as a success', async () => {
    const held = new Set<http.ServerResponse>();
    const [a, b] = await h.backendsNamed('a', 'b');
    const server = a as unknown as { handle: (req: http.IncomingMessage, res: http.ServerResponse) => void };
    const plain = server.handle.bind(a);
    server.handle = (req, res) => {
      if (req.url !== '/health') return plain(req, res);
      a.healthHits++;
      // 200 at once, then a body that never ends.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('starting');
      held.add(res);
    };
    await h.gateway({
      balancer: 'round-robin',
      targets: [{ url: a.url }, { url: b.url }],
      healthCheck: { path: '/health', interval: '100ms', timeout: '150ms', unhealthyAfter: 2, healthyAfter: 1 },
    });
    await until(() => h.healthEvents().some((e) => e.target === a.url && !e.healthy), 8000, 'stalling target marked down');
    expect(h.healthEvents().find((e) => e.target === a.url)!.reason).toMatch(/timed out/);
    for (const r of held) r.destroy();
  }, 20_000);

  it('treats 3xx as healthy by default and as a failure when expectStatus excludes it', async () => {
    const [a, b] = await h.backendsNamed('a', 'b');
    a.healthStatus = 302;
    await h.gateway({
      balancer: 'round-robin',
      targets: [{ url: a.url }, { url: b.url }],
      healthCheck: { path: '/health', interval: '100ms', timeout: '1s', unhealthyAfter: 1, healthyAfter: 1 },
    });
    await until(() => a.healthHits >= 5, 5000, 'probes');
    expect(h.healthEvents()).toEqual([]);
    await h.reapply({
      balancer: 'round-robin',
      targets: [{ url: a.url }, { url: b.url }],
      healthCheck: { path: '/health', interval: '100ms', timeout: '1s', unhealthyAfter: 1, healthyAfter: 1, expectStatus: '200-299' },
    });
    await until(() => h.healthEvents().some((e) => e.target === a.url && !e.healthy), 5000, '302 fails 200-299');
    expect(h.healthEvents().find((e) => e.target === a.url)!.reason).toMatch(/status 302/);
  }, 20_000);

  it('keeps a target down across a config re-apply that leaves it unchanged, and does not multiply checkers', async () => {
    const [a, b] = await h.backendsNamed('a', 'b');
    a.healthStatus = 503;
    const cfg = (extra: number) => ({
      balancer: 'round-robin',
      targets: [{ url: a.url }, { url: b.url, weight: extra }],
      healthCheck: { path: '/health', interval: '100ms', timeout: '1s', unhealthyAfter: 1, healthyAfter: 3 },
    });
    await h.gateway(cfg(1));
    await until(() => h.healthEvents().some((e) => e.target === a.url && !e.healthy), 5000, 'a down');
    for (let i = 2; i <= 6; i++) await h.reapply(cfg(i));
    // Still down right after the applies: no request reaches it.
    for (let i = 0; i < 10; i++) expect((await h.get('/')).body).toBe('b');
    // Checker count: over ~20 intervals one checker makes ~20 probes per target, six would make ~120.
    const startA = a.healthHits;
    const startB = b.healthHits;
    await sleep(2000);
    expect(a.healthHits - startA).toBeLessThan(40);
    expect(b.healthHits - startB).toBeLessThan(40);
    expect(a.healthHits - startA).toBeGreaterThan(3);
    // No event was emitted for a by the applies themselves.
    expect(h.healthEvents().filter((e) => e.target === a.url).length).toBe(1);
  }, 20_000);

  it('brings a target marked down by checks back when a re-apply removes the health check (nothing says it is down any more)', async () => {
    const [a, b] = await h.backendsNamed('a', 'b');
    a.healthStatus = 503;
    const base = { balancer: 'round-robin', targets: [{ url: a.url }, { url: b.url }] };
    const engine = await h.gateway({ ...base, healthCheck: { path: '/health', interval: '100ms', timeout: '1s', unhealthyAfter: 1 } });
    await until(() => h.healthEvents().some((e) => e.target === a.url && !e.healthy), 5000, 'a down');
    await h.reapply(base);
    expect(engine.upstreamStatus().app[0]).toMatchObject({ url: a.url, activeHealthy: true, available: true });
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await h.get('/')).body);
    expect(bodies).toEqual(new Set(['a', 'b']));
  }, 20_000);
});
