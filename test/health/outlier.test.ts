/**
 * Passive outlier detection: a target answering 502s is ejected after
 * `consecutiveFailures`, comes back after `ejectFor`, and a repeat ejection
 * lasts longer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src-proxy/events.js';
import { Harness, sleep, until } from '../balancing/harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

const EJECT_FOR = 300;

describe('passive outlier detection', () => {
  it('ejects a failing target after consecutive failures, for ejectFor, and longer on a repeat', async () => {
    const [good, bad] = await h.backendsNamed('good', 'bad');
    bad.status = 502;
    const engine = await h.gateway({
      balancer: 'round-robin',
      targets: [{ url: good.url }, { url: bad.url }],
      outlierDetection: { consecutiveFailures: 3, ejectFor: `${EJECT_FOR}ms` },
    });
    // Snapshot the bad target's hit count at every health change.
    const changes: { event: Extract<EngineEvent, { type: 'health.change' }>; badHits: number }[] = [];
    engine.events.on((e) => {
      if (e.type === 'health.change') changes.push({ event: e, badHits: bad.hits });
    });

    const statuses: number[] = [];
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        statuses.push((await h.get('/')).status);
        await sleep(2);
      }
    })();
    try {
      // Down, up, down, up: two full ejections.
      await until(() => changes.length >= 4, 8000, 'two ejections and their ends');
    } finally {
      stop = true;
      await loop;
    }

    const [down1, up1, down2, up2] = changes;
    for (const c of changes) expect(c.event).toMatchObject({ upstream: 'app', target: bad.url, source: 'passive' });
    expect([down1, up1, down2, up2].map((c) => c.event.healthy)).toEqual([false, true, false, true]);
    expect(down1.event.reason).toMatch(/3 consecutive failures/);

    // Ejected exactly at the third failure, and no request reached it while ejected.
    expect(down1.badHits).toBe(3);
    expect(up1.badHits).toBe(3);
    // After the ejection ends the count starts afresh: three more failures.
    expect(down2.badHits).toBe(6);
    expect(up2.badHits).toBe(6);

    // The ejection lengths the engine chose: ejectFor, then doubled for the repeat.
    expect(down1.event.reason).toMatch(new RegExp(`^ejected for ${EJECT_FOR}ms `));
    expect(down2.event.reason).toMatch(new RegExp(`^ejected for ${2 * EJECT_FOR}ms `));
    // And they really lasted that long (a timer never fires early; a busy machine only makes them
    // longer, so no upper bound on wall-clock time here: one that never ends fails the wait above).
    const first = up1.event.time - down1.event.time;
    const second = up2.event.time - down2.event.time;
    expect(first).toBeGreaterThanOrEqual(EJECT_FOR - 5);
    expect(second).toBeGreaterThanOrEqual(2 * EJECT_FOR - 5);

    // Clients saw the 502s (no retry configured) and the healthy target's answers.
    expect(statuses.filter((s) => s === 502).length).toBe(bad.hits);
    expect(statuses.filter((s) => s === 200).length).toBe(good.hits);
  }, 20_000);

  it('a success in between resets the consecutive-failure count', async () => {
    const [solo] = await h.backendsNamed('solo');
    const engine = await h.gateway({
      targets: [{ url: solo.url }],
      // A lone target is only ejected without a cap (1 of 1 is 100%).
      outlierDetection: { consecutiveFailures: 3, ejectFor: '5s', maxEjectionPercent: 100 },
    });
    for (let i = 0; i < 4; i++) {
      solo.status = 502;
      expect((await h.get('/')).status).toBe(502);
      expect((await h.get('/')).status).toBe(502);
      solo.status = 200;
      expect((await h.get('/')).status).toBe(200);
    }
    expect(h.healthEvents()).toEqual([]);
    solo.status = 502;
    for (let i = 0; i < 3; i++) await h.get('/');
    expect(h.healthEvents().map((e) => [e.source, e.healthy])).toEqual([['passive', false]]);
    expect(engine.upstreamStatus().app[0]).toMatchObject({ ejected: true, available: false });
    // Nothing left to send to: 503 with Retry-After, and the target is not hit.
    const hits = solo.hits;
    const r = await h.get('/');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBeDefined();
    expect(solo.hits).toBe(hits);
  }, 20_000);
});
