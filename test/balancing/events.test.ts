/**
 * Events are free without listeners, and a broken listener cannot break
 * requests.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-proxy/engine.js';
import type { EngineEvent } from '../../src-proxy/events.js';
import { Harness, load, until } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

describe('engine events', () => {
  it('are inactive with no listener, and nothing is emitted while serving traffic', async () => {
    expect(new Engine().events.active).toBe(false);
    const [a, b] = await h.backendsNamed('a', 'b');
    const engine = await h.gateway(
      { balancer: 'round-robin', targets: [{ url: a.url }, { url: b.url }], retry: { attempts: 1, on: [502], budget: 1 } },
      { record: false },
    );
    expect(engine.events.active).toBe(false);

    let emitted = 0;
    const emit = engine.events.emit.bind(engine.events);
    engine.events.emit = (e: EngineEvent) => {
      emitted++;
      emit(e);
    };
    a.status = 502; // retries and 502s exercise more producers
    const replies = await load(50, 4, () => h.get('/'));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    engine.setDrained('app', a.url, true);
    engine.setDrained('app', a.url, false);
    expect(emitted).toBe(0);

    const off = engine.events.on(() => {});
    expect(engine.events.active).toBe(true);
    await h.get('/');
    await until(() => emitted > 0, 2000, 'events once a listener is attached');
    off();
    expect(engine.events.active).toBe(false);
  }, 20_000);

  it('a listener that throws does not break requests or other listeners', async () => {
    const [a, b] = await h.backendsNamed('a', 'b');
    const engine = await h.gateway({ balancer: 'round-robin', targets: [{ url: a.url }, { url: b.url }] }, { record: false });
    let thrown = 0;
    engine.events.on(() => {
      thrown++;
      throw new Error('listener bug');
    });
    const seen: EngineEvent[] = [];
    engine.events.on((e) => seen.push(e));

    const replies = await load(40, 4, () => h.get('/'));
    expect(replies.every((r) => r.status === 200 && (r.body === 'a' || r.body === 'b'))).toBe(true);
    expect(a.hits + b.hits).toBe(40);
    await until(() => seen.filter((e) => e.type === 'exchange.complete').length === 40, 2000, 'completion events');
    expect(thrown).toBeGreaterThanOrEqual(seen.length);
    engine.setDrained('app', a.url, true);
    expect(seen.at(-1)).toMatchObject({ type: 'health.change', healthy: false });
    expect((await h.get('/')).body).toBe('b');
  }, 20_000);
});
