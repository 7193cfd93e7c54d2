import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { raw, startFixture, waitFor, type Fixture } from './helpers.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.close();
});

function wsUrl(query = ''): string {
  return `ws://127.0.0.1:${fx.host.port}/api/events${query}`;
}

function open(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
}

/** Resolves with the HTTP status of a refused upgrade. */
function refusal(ws: WebSocket): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', () => undefined);
  });
}

describe('headless host: event stream', () => {
  it('subscribes to the EventBus only while a client is connected', async () => {
    expect(fx.engine.events.active).toBe(false);
    const ws = new WebSocket(wsUrl(`?token=${fx.host.token}`));
    await open(ws);
    expect(fx.engine.events.active).toBe(true);
    expect(fx.host.eventClients).toBe(1);
    ws.close();
    await waitFor(() => !fx.engine.events.active);
    expect(fx.host.eventClients).toBe(0);
  });

  it('sends exchange events in batches (JSON arrays) after requests through the gateway', async () => {
    const ws = new WebSocket(wsUrl(`?token=${fx.host.token}`));
    const messages: unknown[][] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as unknown[]));
    await open(ws);

    const N = 30;
    await Promise.all(
      Array.from({ length: N }, async () => {
        const res = await fetch(`${fx.gateway}/hello`);
        expect(await res.text()).toBe('hi');
      }),
    );
    const completes = () => messages.flat().filter((e) => (e as { type: string }).type === 'exchange.complete');
    await waitFor(() => completes().length >= N);
    for (const m of messages) expect(Array.isArray(m)).toBe(true);
    const all = messages.flat() as Array<{ type: string }>;
    // Several events per request, far fewer messages than events.
    expect(all.length).toBeGreaterThan(N);
    expect(messages.length).toBeLessThan(all.length / 2);
    expect(completes()[0]).toMatchObject({ type: 'exchange.complete', status: 200, route: 'hello' });
    ws.close();
  });

  it('?coalesce=1: start and complete per finished exchange, the complete carrying route and status', async () => {
    const full = new WebSocket(wsUrl(`?token=${fx.host.token}`));
    const coalesced = new WebSocket(wsUrl(`?coalesce=1&token=${fx.host.token}`));
    const got = { full: [] as Array<{ type: string; id?: string }>, coalesced: [] as Array<{ type: string; id?: string }> };
    full.on('message', (data) => got.full.push(...(JSON.parse(String(data)) as [])));
    coalesced.on('message', (data) => got.coalesced.push(...(JSON.parse(String(data)) as [])));
    await Promise.all([open(full), open(coalesced)]);

    const N = 20;
    await Promise.all(Array.from({ length: N }, async () => expect(await (await fetch(`${fx.gateway}/hello`)).text()).toBe('hi')));
    const done = (list: Array<{ type: string }>) => list.filter((e) => e.type === 'exchange.complete').length >= N;
    await waitFor(() => done(got.full) && done(got.coalesced));
    const types = (list: Array<{ type: string }>) => new Set(list.filter((e) => e.type.startsWith('exchange.')).map((e) => e.type));
    expect(types(got.full)).toEqual(new Set(['exchange.start', 'exchange.routed', 'exchange.response', 'exchange.complete']));
    // Each request finished well within one 100 ms batch here, so its progress was superseded.
    expect(types(got.coalesced)).toEqual(new Set(['exchange.start', 'exchange.complete']));
    const complete = got.coalesced.find((e) => e.type === 'exchange.complete');
    expect(complete).toMatchObject({ status: 200, route: 'hello' });
    full.close();
    coalesced.close();
  });

  it('accepts the token as a sub-protocol and echoes it back', async () => {
    const protocol = `switchyard.token.${fx.host.token}`;
    const ws = new WebSocket(wsUrl(), [protocol]);
    await open(ws);
    expect(ws.protocol).toBe(protocol);
    ws.close();
  });

  it('rejects a missing or wrong token (401)', async () => {
    expect((await refusal(new WebSocket(wsUrl()))).status).toBe(401);
    expect((await refusal(new WebSocket(wsUrl('?token=wrong')))).status).toBe(401);
    const r = await refusal(new WebSocket(wsUrl(), ['switchyard.token.wrong']));
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('rejects a foreign Origin or Host on the upgrade (403)', async () => {
    const q = `?token=${fx.host.token}`;
    expect((await refusal(new WebSocket(wsUrl(q), { origin: 'http://evil.example' }))).status).toBe(403);
    expect((await refusal(new WebSocket(wsUrl(q), { headers: { host: `evil.example:${fx.host.port}` } }))).status).toBe(403);
    const ok = new WebSocket(wsUrl(q), { origin: `http://127.0.0.1:${fx.host.port}` });
    await open(ok);
    ok.close();
  });

  it('answers a plain GET on /api/events with 426', async () => {
    const res = await raw(fx.host.port, { path: '/api/events', headers: { authorization: `Bearer ${fx.host.token}` } });
    expect(res.status).toBe(426);
  });

  it('close() closes the clients and unsubscribes', async () => {
    const other = await startFixture();
    const ws = new WebSocket(`ws://127.0.0.1:${other.host.port}/api/events?token=${other.host.token}`);
    await open(ws);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    expect(other.engine.events.active).toBe(true);
    await other.close();
    expect(await closed).toBe(1001);
    expect(other.engine.events.active).toBe(false);
  });
});
