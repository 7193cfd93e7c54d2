/**
 * outlierDetection.maxEjectionPercent end to end: when every target fails,
 * the cap keeps one in rotation, so clients get the upstream's own answer
 * instead of Switchyard's 503 (the cap lifted: test/balancing/adversarial-retries.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness } from '../balancing/harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

describe('maxEjectionPercent', () => {
  it('with the default 50%, one of two failing targets stays in rotation and keeps answering', async () => {
    const [a, b] = await h.backendsNamed('a', 'b');
    a.status = 502;
    b.status = 502;
    const engine = await h.gateway({
      balancer: 'round-robin',
      targets: [{ url: a.url }, { url: b.url }],
      outlierDetection: { consecutiveFailures: 2 },
    });
    const replies = [];
    for (let i = 0; i < 40; i++) replies.push(await h.get('/'));

    // Every answer is a target's own 502 (its name in the body), never Switchyard's 503.
    expect(replies.map((r) => r.status)).toEqual(Array(40).fill(502));
    expect(replies.every((r) => r.body === 'a' || r.body === 'b')).toBe(true);
    expect(a.hits + b.hits).toBe(40);

    const status = engine.upstreamStatus().app;
    expect(status.filter((t) => t.ejected)).toHaveLength(1);
    const kept = status.find((t) => !t.ejected)!;
    expect(kept.available).toBe(true);
    // The last answers all come from the target that was kept.
    const keptName = kept.url === a.url ? 'a' : 'b';
    expect(replies.slice(-10).every((r) => r.body === keptName)).toBe(true);

    // The refusal is on the timeline once (at the threshold), not once per failure.
    const refusals = h.healthEvents().filter((e) => e.reason.startsWith('not ejected'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ upstream: 'app', target: kept.url, healthy: true, wasHealthy: true, source: 'passive' });
    // The ejection itself was a flip.
    expect(h.healthEvents().find((e) => e.reason.startsWith('ejected'))).toMatchObject({ healthy: false, wasHealthy: true });
    expect(refusals[0].reason).toMatch(/^not ejected: 1 of 2 targets already ejected \(maxEjectionPercent 50\)/);
  }, 20_000);
});
