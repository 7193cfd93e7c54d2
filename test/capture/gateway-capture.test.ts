/**
 * A real run through the gateway as `switchyard serve` runs it (startRuntime
 * on a temp data dir, real upstreams): each exchange lands in history with
 * its routing, timings, raw headers, exact bodies and masked secrets;
 * truncation, problems and WebSocket messages are captured; the capture and
 * history switches do what they say.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { brotliCompressSync, gunzipSync, gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { toWire } from '../../src-proxy/control/wire.js';
import { HistoryStore } from '../../src-proxy/history/history-store.js';
import type { SearchPage } from '../../src-proxy/history/types.js';
import { tempDir } from '../history/fixtures.js';
import {
  BINARY,
  JWT,
  closedUrl,
  fromBase64,
  headerValues,
  pairsNamed,
  patternText,
  send,
  startApp,
  startRuntimeRig,
  startWsEcho,
  type AppUpstream,
  type RuntimeRig,
  type WireExchange,
} from './rig.js';
import { startServer, type Started } from '../helpers/upstreams.js';
import type http from 'node:http';

let app: AppUpstream;
let wsUp: Started<http.Server>;
let downUrl: string;
/** Reads 1,000 bytes of an upload (all of a smaller one), then drops the connection. */
let resetter: Started<http.Server>;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  app = await startApp();
  wsUp = await startWsEcho();
  downUrl = await closedUrl();
  resetter = await startServer((req) => {
    let seen = 0;
    req.on('data', (c: Buffer) => {
      seen += c.length;
      if (seen >= 1000) req.socket.destroy();
    });
    req.on('end', () => req.socket.destroy());
  });
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await app?.close();
  await wsUp?.close();
  await resetter?.close();
});

function workspace(extra = ''): string {
  return `
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0" }
routes:
  - { name: rewritten, match: { host: api.localhost, path: /rewritten }, upstream: app, policies: [hide-coding] }
  - { name: flaky, match: { host: api.localhost, path: /flaky }, upstream: flaky }
  - { name: keyed, match: { host: api.localhost, path: /keyed }, upstream: app, policies: [partner] }
  - { name: api, match: { host: api.localhost }, upstream: app }
  - { name: ws, match: { path: /ws }, upstream: wsapp }
  - { name: down, match: { path: /down }, upstream: down }
upstreams:
  app: { targets: [{ url: "${app.url}" }] }
  wsapp: { targets: [{ url: "${wsUp.url}" }] }
  down: { targets: [{ url: "${downUrl}" }] }
  flaky: { targets: [{ url: "${resetter.url}" }, { url: "${app.url}" }], balancer: round-robin, retry: { attempts: 1, on: [reset], budget: 1 } }
policies:
  partner: { type: api-key, header: X-Partner-Key, keys: { k-123: { consumer: partner } } }
  hide-coding: { type: headers, request: { rename: { Content-Encoding: X-Original-Encoding }, set: { Content-Type: application/octet-stream } } }
${extra}
`;
}

async function rig(extra = 'capture: { maxBodySize: 4KB }'): Promise<RuntimeRig> {
  const t = tempDir('switchyard-capture-');
  const r = await startRuntimeRig(workspace(extra), t.dir);
  cleanups.push(t.cleanup, () => r.close());
  return r;
}

/** The exchange as history holds it: from the database, not from the recent cache. */
function stored(r: RuntimeRig, id: string): CapturedExchange & { bodiesDropped: boolean } {
  const x = r.runtime.history!.store.get(id);
  expect(x, `exchange ${id} in history.db`).not.toBeNull();
  return x!;
}

const text = (b: { base64: string | null }) => fromBase64(b.base64)?.toString('utf8') ?? null;

describe('capture into history through a running gateway', () => {
  let r: RuntimeRig;
  beforeAll(async () => {
    r = await rig();
  });

  it('records method, host, url, status, route, upstream, target, attempts, timings and the X-Request-Id', async () => {
    const res = await send(r.port, {
      path: '/slow?ms=60',
      headers: ['Host', 'api.localhost', 'X-Request-Id', 'cap-basic-1', 'Accept', 'application/json'],
    });
    expect(res.status).toBe(200);
    expect(headerValues(res.rawHeaders, 'x-request-id')).toEqual(['cap-basic-1']);
    const live = await r.record('cap-basic-1');
    await r.runtime.history!.flush();

    const page = await r.call<SearchPage>('history.search', { query: 'path:/slow', withTotal: true });
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({
      id: live.id,
      requestId: 'cap-basic-1',
      method: 'GET',
      host: 'api.localhost',
      path: '/slow',
      url: '/slow?ms=60',
      status: 200,
      route: 'api',
      upstream: 'app',
      target: app.url,
      attempts: 1,
      listener: 'web',
      client: '127.0.0.1',
      source: 'live',
      replayOf: null,
      errorCode: null,
      aborted: false,
      truncated: false,
    });

    const x = stored(r, live.id);
    expect(x).toMatchObject({
      requestId: 'cap-basic-1',
      method: 'GET',
      host: 'api.localhost',
      url: '/slow?ms=60',
      status: 200,
      route: 'api',
      upstream: 'app',
      target: app.url,
      attempts: 1,
      listener: 'web',
      scheme: 'http',
      httpVersion: '1.1',
      clientAddress: '127.0.0.1',
      error: null,
      aborted: false,
      websocket: null,
      bodiesDropped: false,
    });
    expect(x.clientPort).toBeGreaterThan(0);
    expect(Math.abs(x.startedAt - Date.now())).toBeLessThan(30_000);

    // Timings: every phase ≥ 0, the upstream's 60 ms wait is in ttfb, total covers the phases.
    const t = x.timings;
    for (const phase of ['queue', 'connect', 'ttfb', 'total'] as const) expect(t[phase], phase).toBeGreaterThanOrEqual(0);
    expect(t.ttfb).toBeGreaterThanOrEqual(50);
    expect(t.total).toBeGreaterThanOrEqual(t.ttfb);
    expect(t.total + 0.001).toBeGreaterThanOrEqual(t.queue + t.connect + t.ttfb);
    expect(x.duration).toBe(t.total);
    expect(page.items[0].duration).toBe(t.total);

    // Raw pairs as the client sent them (case, order), and the response headers as sent to the client.
    expect(pairsNamed(x.requestHeaders, ['host', 'x-request-id', 'accept'])).toEqual([
      'Host', 'api.localhost', 'X-Request-Id', 'cap-basic-1', 'Accept', 'application/json',
    ]);
    expect(x.responseHeaders.length % 2).toBe(0);
    expect(headerValues(x.responseHeaders, 'content-type')).toEqual(['application/json']);
    expect(headerValues(x.responseHeaders, 'x-request-id')).toEqual(['cap-basic-1']);
    expect(x.responseBody).toMatchObject({ size: 13, truncated: false, contentType: 'application/json' });
    expect(Buffer.from(x.responseBody.bytes!).toString()).toBe('{"slow":true}');
    expect(x.requestBody).toEqual({ bytes: null, size: 0, truncated: false, contentType: null });

    // history.get (the control method) answers the same record, bodies as base64.
    const wire = await r.call<WireExchange>('history.get', { id: live.id });
    expect(wire.responseBody.base64).toBe(Buffer.from('{"slow":true}').toString('base64'));
    // From the database (recent cache emptied) it is the same record as capture made it.
    r.runtime.recent.delete([live.id]);
    const fromDb = await r.call<WireExchange>('history.get', { id: live.id });
    expect(fromDb).toEqual({ ...(await toWire(live)), bodiesDropped: false });
  });

  it('without a client X-Request-Id the generated one is the exchange id', async () => {
    const res = await send(r.port, { path: '/plain', headers: ['Host', 'api.localhost'] });
    const [requestId] = headerValues(res.rawHeaders, 'x-request-id');
    expect(requestId).toBeTruthy();
    const live = await r.record(requestId);
    expect(live.id).toBe(requestId);
    expect(app.seen.at(-1)!.rawHeaders).toContain(requestId);
  });

  it('keeps text and binary bodies byte for byte (base64 over the control API)', async () => {
    const upload = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
    await send(r.port, {
      method: 'POST',
      path: '/binary',
      headers: ['Host', 'api.localhost', 'X-Request-Id', 'cap-bin-1', 'Content-Type', 'application/octet-stream', 'Content-Length', String(upload.length)],
      body: upload,
    });
    const utf8 = JSON.stringify({ greeting: 'grüße ✓', list: [1, 2, 3] });
    await send(r.port, {
      method: 'PUT',
      path: '/echo',
      headers: ['Host', 'api.localhost', 'X-Request-Id', 'cap-text-1', 'Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(utf8))],
      body: utf8,
    });
    const bin = await r.record('cap-bin-1');
    const txt = await r.record('cap-text-1');
    await r.runtime.history!.flush();

    const b = stored(r, bin.id);
    expect(Buffer.from(b.requestBody.bytes!).equals(upload)).toBe(true);
    expect(b.requestBody).toMatchObject({ size: 300, truncated: false, contentType: 'application/octet-stream' });
    // A JWT is a secret in a binary body too (a protobuf string, say): masked there, every other byte kept.
    const maskedBinary = Buffer.concat([BINARY.subarray(0, BINARY.length - JWT.length), Buffer.from('[masked-jwt]')]);
    expect(Buffer.from(b.responseBody.bytes!).equals(maskedBinary)).toBe(true);
    expect(b.responseBody).toMatchObject({ size: BINARY.length, truncated: false, contentType: 'application/octet-stream' });

    const t = stored(r, txt.id);
    expect(t.method).toBe('PUT');
    expect(Buffer.from(t.requestBody.bytes!).toString('utf8')).toBe(utf8);
    expect(Buffer.from(t.responseBody.bytes!).toString('utf8')).toBe(utf8);
    expect(t.requestBody.size).toBe(Buffer.byteLength(utf8));

    r.runtime.recent.clear();
    const wire = await r.call<WireExchange>('history.get', { id: bin.id });
    expect(fromBase64(wire.requestBody.base64)!.equals(upload)).toBe(true);
    expect(fromBase64(wire.responseBody.base64)!.equals(maskedBinary)).toBe(true);
  });

  it('masks secrets before storage: Authorization, cookies, Set-Cookie, the api-key header, JWTs in URL, headers and JSON bodies', async () => {
    const body = JSON.stringify({ user: 'ann', token: JWT });
    const headers = [
      'Host', 'api.localhost',
      'X-Request-Id', 'cap-secret-1',
      'Authorization', 'Bearer sk_live_abcdef123456',
      'Cookie', 'sid=abc123; theme=dark',
      'X-Partner-Key', 'k-123',
      'X-Debug', `token ${JWT} end`,
      'X-Plain', 'visible',
      'Content-Type', 'application/json',
      'Content-Length', String(Buffer.byteLength(body)),
    ];
    const res = await send(r.port, { method: 'POST', path: `/json?token=${JWT}&x=1`, headers, body });
    expect(res.status).toBe(200);
    // Masking is for storage only: the upstream got everything as sent.
    const upstreamSaw = app.seen.at(-1)!;
    expect(upstreamSaw.url).toBe(`/json?token=${JWT}&x=1`);
    expect(headerValues(upstreamSaw.rawHeaders, 'authorization')).toEqual(['Bearer sk_live_abcdef123456']);
    expect(upstreamSaw.body.toString()).toBe(body);
    expect(headerValues(res.rawHeaders, 'set-cookie')[0]).toContain('s3cr3t-value');

    const live = await r.record('cap-secret-1');
    await r.runtime.history!.flush();
    const x = stored(r, live.id);
    expect(x.url).toBe('/json?token=[masked-jwt]&x=1');
    expect(pairsNamed(x.requestHeaders, ['authorization', 'cookie', 'x-partner-key', 'x-debug', 'x-plain'])).toEqual([
      'Authorization', 'Bearer [masked]',
      'Cookie', 'sid=[masked]; theme=[masked]',
      'X-Partner-Key', '[masked]',
      'X-Debug', 'token [masked-jwt] end',
      'X-Plain', 'visible',
    ]);
    expect(headerValues(x.responseHeaders, 'set-cookie')).toEqual(['sid=[masked]; Path=/; HttpOnly; SameSite=Lax', 'theme=[masked]']);
    expect(headerValues(x.responseHeaders, 'x-app')).toEqual(['json']);

    const reqText = Buffer.from(x.requestBody.bytes!).toString('utf8');
    expect(reqText).toBe(JSON.stringify({ user: 'ann', token: '[masked-jwt]' }));
    expect(x.requestBody.size).toBe(Buffer.byteLength(body)); // the true size, not the masked one
    const resText = Buffer.from(x.responseBody.bytes!).toString('utf8');
    expect(resText).toContain('[masked-jwt]');
    // Nothing secret anywhere in what was stored.
    const all = JSON.stringify(await toWire(x)) + reqText + resText;
    for (const secret of [JWT, 'sk_live_abcdef123456', 'abc123', 's3cr3t-value', 'k-123', 'dark']) expect(all).not.toContain(secret);
    // Search sees the masked record: the secret is not findable.
    await r.runtime.history!.flush({ index: true });
    expect((await r.call<SearchPage>('history.search', { query: 'sk_live_abcdef123456' })).items).toEqual([]);
    expect((await r.call<SearchPage>('history.search', { query: 'header:visible' })).items.map((i) => i.id)).toEqual([live.id]);
  });

  it('masks JWTs inside gzip-encoded request and response bodies and stores them still gzip-encoded, as the headers say', async () => {
    const upload = gzipSync(JSON.stringify({ user: 'ann', token: JWT, pet: 'quokka' }));
    const headers = ['Host', 'api.localhost', 'X-Request-Id', 'cap-secret-gzip', 'Content-Type', 'application/json', 'Content-Encoding', 'gzip', 'Content-Length', String(upload.length)];
    const res = await send(r.port, { method: 'POST', path: '/gzip-json', headers, body: upload });
    expect(res.status).toBe(200);
    // The client and the upstream got every byte as sent.
    expect(gunzipSync(res.body).toString()).toContain(JWT);
    expect(app.seen.at(-1)!.body.equals(upload)).toBe(true);

    const live = await r.record('cap-secret-gzip');
    await r.runtime.history!.flush();
    const x = stored(r, live.id);
    expect(headerValues(x.requestHeaders, 'content-encoding')).toEqual(['gzip']);
    expect(headerValues(x.responseHeaders, 'content-encoding')).toEqual(['gzip']);
    const maskedUpload = JSON.stringify({ user: 'ann', token: '[masked-jwt]', pet: 'quokka' });
    expect(gunzipSync(x.requestBody.bytes!).toString()).toBe(maskedUpload);
    expect(JSON.parse(gunzipSync(x.responseBody.bytes!).toString())).toEqual({ echoed: maskedUpload });
    // The wire sizes, not those of the re-encoded copies.
    expect(x.requestBody.size).toBe(upload.length);
    expect(x.responseBody.size).toBe(Number(headerValues(res.rawHeaders, 'content-length')[0] ?? res.body.length));
    // history.get gives the wire bytes and what they decode to.
    const wire = await r.call<WireExchange>('history.get', { id: live.id });
    expect(fromBase64(wire.responseBody.base64)!.equals(Buffer.from(x.responseBody.bytes!))).toBe(true);
    const decoded = wire.responseBody.decoded as { codings: string[]; base64: string; size: number };
    expect(decoded.codings).toEqual(['gzip']);
    expect(JSON.parse(fromBase64(decoded.base64)!.toString())).toEqual({ echoed: maskedUpload });
    expect(decoded.size).toBe(fromBase64(decoded.base64)!.length);
    // A HAR export decodes the response: masked there too.
    const har = await r.call<{ log: { entries: { response: { content: { text: string } } }[] } }>('history.exportHar', { ids: [live.id] });
    expect(har.log.entries[0].response.content.text).toContain('[masked-jwt]');
    expect(JSON.stringify(har)).not.toContain(JWT);
    // Free text finds words inside compressed bodies (the index holds them decoded).
    await r.runtime.history!.flush({ index: true });
    expect((await r.call<SearchPage>('history.search', { query: 'quokka' })).items.map((i) => i.id)).toEqual([live.id]);
  });

  it.skipIf(!existsSync('/usr/bin/zstd'))('reads and masks zstd bodies (what Chrome accepts and many sites send), stored as zstd the zstd tool reads', async () => {
    const json = JSON.stringify({ user: 'ann', token: JWT, pet: 'axolotl' });
    const upload = execFileSync('/usr/bin/zstd', ['-q', '-c', '-19'], { input: json });
    const headers = ['Host', 'api.localhost', 'X-Request-Id', 'cap-zstd', 'Content-Type', 'application/json', 'Content-Encoding', 'zstd', 'Content-Length', String(upload.length)];
    const res = await send(r.port, { method: 'POST', path: '/zstd-echo', headers, body: upload });
    expect(res.status).toBe(200);
    expect(res.body.equals(upload)).toBe(true);
    const live = await r.record('cap-zstd');
    await r.runtime.history!.flush({ index: true });
    const x = stored(r, live.id);
    const masked = json.replace(JWT, '[masked-jwt]');
    for (const b of [x.requestBody, x.responseBody]) {
      expect(execFileSync('/usr/bin/zstd', ['-q', '-d', '-c'], { input: b.bytes! }).toString()).toBe(masked);
      expect(b).toMatchObject({ size: upload.length, truncated: false });
    }
    const wire = await r.call<WireExchange>('history.get', { id: live.id });
    const decoded = wire.responseBody.decoded as { codings: string[]; base64: string };
    expect(decoded.codings).toEqual(['zstd']);
    expect(fromBase64(decoded.base64)!.toString()).toBe(masked);
    expect((await r.call<SearchPage>('history.search', { query: 'axolotl' })).items.map((i) => i.id)).toEqual([live.id]);
    const har = await r.call<{ log: { entries: { response: { content: { text: string } } }[] } }>('history.exportHar', { ids: [live.id] });
    expect(har.log.entries[0].response.content.text).toBe(masked);
  });

  it("masks the client's body by the client's headers, whatever a policy renames or sets before it goes upstream", async () => {
    const upload = gzipSync(JSON.stringify({ token: JWT }));
    const headers = ['Host', 'api.localhost', 'X-Request-Id', 'cap-rewritten', 'Content-Type', 'application/json', 'Content-Encoding', 'gzip', 'Content-Length', String(upload.length)];
    expect((await send(r.port, { method: 'POST', path: '/rewritten', headers, body: upload })).status).toBe(200);
    expect(headerValues(app.seen.at(-1)!.rawHeaders, 'x-original-encoding')).toEqual(['gzip']);
    const live = await r.record('cap-rewritten');
    await r.runtime.history!.flush();
    const x = stored(r, live.id);
    expect(headerValues(x.requestHeaders, 'content-encoding')).toEqual(['gzip']);
    expect(x.requestBody.contentType).toBe('application/json');
    expect(gunzipSync(x.requestBody.bytes!).toString()).toBe(JSON.stringify({ token: '[masked-jwt]' }));
  });

  it('masks a JWT cut off when the upstream resets mid-body (the body ended early, not at the cap)', async () => {
    await send(r.port, { path: '/cut-token', headers: ['Host', 'api.localhost', 'X-Request-Id', 'cap-cut-token'] }).catch(() => undefined);
    const live = await r.record('cap-cut-token');
    await r.runtime.history!.flush();
    const x = stored(r, live.id);
    // Cut short by the reset: what was kept is not the whole body.
    expect(x.responseBody.truncated).toBe(true);
    expect(Buffer.from(x.responseBody.bytes!).toString()).toBe('{"token":"[masked-jwt]');
  });

  it('does not store a compressed body it cannot check for secrets (a br bomb), and keeps serving', async () => {
    const bomb = brotliCompressSync(Buffer.alloc(17 * 1024 * 1024, 0x20));
    const headers = ['Host', 'api.localhost', 'X-Request-Id', 'cap-bomb', 'Content-Type', 'application/json', 'Content-Encoding', 'br', 'Content-Length', String(bomb.length)];
    const res = await send(r.port, { method: 'POST', path: '/json', headers, body: bomb });
    expect(res.status).toBe(200);
    expect(app.seen.at(-1)!.body.equals(bomb)).toBe(true);
    const live = await r.record('cap-bomb');
    await r.runtime.history!.flush();
    expect(stored(r, live.id).requestBody).toMatchObject({ bytes: null, size: bomb.length, truncated: false });
    expect((await send(r.port, { path: '/json', headers: ['Host', 'api.localhost'] })).status).toBe(200);
  });

  it('says why a body that claims a Content-Encoding does not decode, and keeps its bytes as they came', async () => {
    await send(r.port, { path: '/not-gzip', headers: ['Host', 'api.localhost', 'X-Request-Id', 'cap-not-gzip'] });
    const live = await r.record('cap-not-gzip');
    await r.runtime.history!.flush();
    const wire = await r.call<WireExchange>('history.get', { id: live.id });
    expect(text(wire.responseBody)).toBe('plain words');
    expect(wire.responseBody.decoded).toEqual({ codings: ['gzip'], error: 'the bytes are not valid gzip' });
    expect(wire.requestBody.decoded).toBeUndefined();
  });

  it('flags a body over capture.maxBodySize as truncated with its true size, keeping the first bytes exactly', async () => {
    const upload = patternText(9000);
    await send(r.port, {
      method: 'POST',
      path: '/big?n=10000',
      headers: ['Host', 'api.localhost', 'X-Request-Id', 'cap-big-1', 'Content-Type', 'text/plain', 'Content-Length', '9000'],
      body: upload,
    });
    const live = await r.record('cap-big-1');
    await r.runtime.history!.flush();
    const x = stored(r, live.id);
    expect(x.responseBody).toMatchObject({ size: 10_000, truncated: true, contentType: 'text/plain' });
    expect(Buffer.from(x.responseBody.bytes!).toString()).toBe(patternText(10_000).slice(0, 4096));
    expect(x.requestBody).toMatchObject({ size: 9000, truncated: true, contentType: 'text/plain' });
    expect(Buffer.from(x.requestBody.bytes!).toString()).toBe(upload.slice(0, 4096));
    // The upstream and the client still got every byte.
    expect(app.seen.at(-1)!.body.length).toBe(9000);

    const page = await r.call<SearchPage>('history.search', { query: 'is:truncated' });
    expect(page.items.map((i) => i.id)).toContain(live.id);
    expect(page.items.find((i) => i.id === live.id)).toMatchObject({ truncated: true, reqSize: 9000, resSize: 10_000 });
  });

  it('flags an upload the client cut short as truncated (what arrived, not the whole body), so search finds it and replay refuses it', async () => {
    const cutUpload = async (requestId: string, framing: string, body: string): Promise<CapturedExchange> => {
      const socket = net.connect(r.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`POST /echo HTTP/1.1\r\nHost: api.localhost\r\nX-Request-Id: ${requestId}\r\nContent-Type: text/plain\r\n${framing}\r\n\r\n${body}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.destroy();
      return r.record(requestId);
    };
    const byLength = await cutUpload('cap-cut-upload', 'Content-Length: 100', 'half-body');
    const chunked = await cutUpload('cap-cut-chunked', 'Transfer-Encoding: chunked', '9\r\nhalf-body\r\n');
    await r.runtime.history!.flush();
    for (const live of [byLength, chunked]) {
      const x = stored(r, live.id);
      expect(x.aborted).toBe(true);
      expect(x.requestBody).toMatchObject({ size: 9, truncated: true });
      expect(Buffer.from(x.requestBody.bytes!).toString()).toBe('half-body');
    }
    const page = await r.call<SearchPage>('history.search', { query: 'is:truncated' });
    expect(page.items.map((i) => i.id)).toEqual(expect.arrayContaining([byLength.id, chunked.id]));
    const seen = app.seen.length;
    await expect(r.call('replay.send', { id: byLength.id })).rejects.toMatchObject({
      reason: 'BODY_INCOMPLETE',
      message: expect.stringMatching(/^The original request body ended early: 9 of the 100 bytes its Content-Length announced arrived; it cannot be replayed as-is/),
    });
    await expect(r.call('replay.send', { id: chunked.id })).rejects.toMatchObject({
      reason: 'BODY_INCOMPLETE',
      message: expect.stringMatching(/^The original request body ended early, after 9 bytes \(the transfer was cut short\)/),
    });
    expect(app.seen.length).toBe(seen);
    // A whole upload is not flagged.
    await send(r.port, { method: 'POST', path: '/echo', headers: ['Host', 'api.localhost', 'X-Request-Id', 'cap-whole-upload', 'Content-Length', '9'], body: 'full-body' });
    expect((await r.record('cap-whole-upload')).requestBody).toMatchObject({ size: 9, truncated: false });
    // Nor is one that no target took (connection refused): capture reads it whole (unread-upload.ts).
    await send(r.port, { method: 'POST', path: '/down', headers: ['Host', 'api.localhost', 'X-Request-Id', 'cap-unread-upload', 'Content-Length', '9'], body: 'full-body' });
    const unread = await r.record('cap-unread-upload');
    expect(unread.status).toBe(502);
    expect(unread.requestBody).toMatchObject({ size: 9, truncated: false });
    expect(Buffer.from(unread.requestBody.bytes!).toString()).toBe('full-body');
  });

  it('records the upload of a request the gateway answered itself (a policy\'s 401, a 404), so replay can send it again', async () => {
    const body = '{"order":{"id":7,"qty":2}}';
    // Two requests on one keep-alive connection: the body read for capture leaves the next request intact.
    const socket = net.connect(r.port, '127.0.0.1');
    const answers: string[] = [];
    socket.on('data', (c: Buffer) => answers.push(c.toString()));
    const head = (rid: string, path: string, framing: string) =>
      `POST ${path} HTTP/1.1\r\nHost: api.localhost\r\nX-Request-Id: ${rid}\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`;
    socket.write(head('cap-unread-401', '/keyed', `Content-Length: ${body.length}`));
    // The 401 goes out before the body does: it arrives after the answer.
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write(body);
    socket.write(head('cap-unread-fixed', '/ws-not-upgraded', 'Transfer-Encoding: chunked') + `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    const rejected = await r.record('cap-unread-401');
    const second = await r.record('cap-unread-fixed');
    socket.destroy();
    expect(answers.join('')).toMatch(/^HTTP\/1\.1 401 [\s\S]*HTTP\/1\.1 \d{3} /);
    expect(rejected.status).toBe(401);
    for (const x of [rejected, second]) {
      expect(x.requestBody).toMatchObject({ size: body.length, truncated: false });
      expect(Buffer.from(x.requestBody.bytes!).toString()).toBe(body);
    }
    // Over the capture cap (4 KB): the first bytes, flagged, with the true size.
    const big = patternText(10_000);
    await send(r.port, { method: 'PUT', path: '/keyed', headers: ['Host', 'api.localhost', 'X-Request-Id', 'cap-unread-big', 'Content-Length', '10000'], body: big });
    const bigRecord = await r.record('cap-unread-big');
    expect(bigRecord.requestBody).toMatchObject({ size: 10_000, truncated: true });
    expect(Buffer.from(bigRecord.requestBody.bytes!).toString()).toBe(big.slice(0, 4096));

    // Replayed with the key added, the app gets the original body.
    await r.runtime.history!.flush();
    const seen = app.seen.length;
    const replayed = await r.call<{ status: number }>('replay.send', { id: rejected.id, edit: { headers: { add: { 'X-Partner-Key': 'k-123' } } } });
    expect(replayed.status).toBe(200);
    expect(app.seen.slice(seen).map((x) => [x.url, x.body.toString()])).toEqual([['/keyed', body]]);
  });

  it('an upload the client abandons after the gateway answered is recorded as cut short, once the connection goes', async () => {
    const socket = net.connect(r.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.write('POST /keyed HTTP/1.1\r\nHost: api.localhost\r\nX-Request-Id: cap-unread-stalled\r\nContent-Length: 1000\r\n\r\n0123456789');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    // Answered, but the upload is still due: node has let go of the request, only its socket can say it ended.
    socket.destroy();
    const x = await r.record('cap-unread-stalled');
    expect(x.requestBody).toMatchObject({ size: 10, truncated: true });
    expect(Buffer.from(x.requestBody.bytes!).toString()).toBe('0123456789');
  });

  it('an Expect: 100-continue upload the gateway answered without reading is not sent, and its record is not held up', async () => {
    const socket = net.connect(r.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.write('POST /keyed HTTP/1.1\r\nHost: api.localhost\r\nX-Request-Id: cap-expect-401\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n');
    const x = await r.record('cap-expect-401', 2000);
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(x.requestBody).toMatchObject({ size: 0, bytes: null });
    socket.destroy();
  });

  it('records the whole upload of a PUT resent after the first target reset mid-upload, once, with both attempts', async () => {
    const upload = patternText(3000);
    const socket = net.connect(r.port, '127.0.0.1');
    const answer = new Promise<string>((resolve) => {
      let got = '';
      socket.on('data', (c: Buffer) => (got += c.toString()));
      socket.on('close', () => resolve(got));
    });
    socket.write('PUT /flaky HTTP/1.1\r\nHost: api.localhost\r\nX-Request-Id: cap-retried-upload\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
    socket.write(`5dc\r\n${upload.slice(0, 1500)}\r\n`);
    // The resetter drops the first attempt on these 1,500 bytes; the rest is sent while the retry waits for it.
    await new Promise((resolve) => setTimeout(resolve, 150));
    socket.write(`5dc\r\n${upload.slice(1500)}\r\n0\r\n\r\n`);
    expect(await answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(app.seen.at(-1)).toMatchObject({ method: 'PUT', url: '/flaky' });
    expect(app.seen.at(-1)!.body.toString()).toBe(upload);
    const live = await r.record('cap-retried-upload');
    await r.runtime.history!.flush();
    const x = stored(r, live.id);
    expect(x.attempts).toBe(2);
    expect(x.target).toBe(app.url);
    expect(x.requestBody).toMatchObject({ size: 3000, truncated: false });
    expect(Buffer.from(x.requestBody.bytes!).toString()).toBe(upload);
  });

  it('captures problems (404, 502) with their problem JSON and error code', async () => {
    const notFound = await send(r.port, { path: '/nothing', headers: ['Host', 'nowhere.localhost', 'X-Request-Id', 'cap-404'] });
    expect(notFound.status).toBe(404);
    const badGateway = await send(r.port, { path: '/down/x', headers: ['Host', '127.0.0.1', 'X-Request-Id', 'cap-502'] });
    expect(badGateway.status).toBe(502);
    const a = await r.record('cap-404');
    const b = await r.record('cap-502');
    await r.runtime.history!.flush();

    const x404 = stored(r, a.id);
    expect(x404).toMatchObject({ status: 404, route: null, upstream: null, target: null, attempts: 0 });
    expect(x404.error?.code).toBe('ROUTE_NOT_FOUND');
    expect(x404.responseBody.contentType).toBe('application/problem+json');
    const p404 = JSON.parse(Buffer.from(x404.responseBody.bytes!).toString()) as Record<string, unknown>;
    expect(p404).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND', requestId: 'cap-404' });
    expect(Buffer.from(x404.responseBody.bytes!).equals(notFound.body)).toBe(true);

    const x502 = stored(r, b.id);
    expect(x502).toMatchObject({ status: 502, route: 'down', upstream: 'down', target: downUrl });
    expect(x502.attempts).toBeGreaterThanOrEqual(1);
    expect(x502.error?.code).toBe('UPSTREAM_CONNECT_FAILED');
    expect(JSON.parse(Buffer.from(x502.responseBody.bytes!).toString())).toMatchObject({ status: 502, code: 'UPSTREAM_CONNECT_FAILED' });
    expect(Buffer.from(x502.responseBody.bytes!).equals(badGateway.body)).toBe(true);

    const errors = await r.call<SearchPage>('history.search', { query: 'is:error' });
    expect(errors.items.map((i) => i.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(errors.items.find((i) => i.id === b.id)!.errorCode).toBe('UPSTREAM_CONNECT_FAILED');
    expect((await r.call<SearchPage>('history.search', { query: 'status:5xx' })).items.map((i) => i.id)).toContain(b.id);
  });

  it('captures a WebSocket echo with its messages (text, binary, both directions, close) once it closes', async () => {
    const ws = new WebSocket(`${r.url.replace('http', 'ws')}/ws/echo`, { headers: { 'x-request-id': 'cap-ws-1' }, perMessageDeflate: false });
    const received: { data: Buffer; binary: boolean }[] = [];
    const next = () =>
      new Promise<void>((resolve) => ws.once('message', (data: Buffer, binary: boolean) => (received.push({ data, binary }), resolve())));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const bin = Buffer.from([0, 1, 2, 253, 254, 255]);
    let reply = next();
    ws.send('hello gateway');
    await reply;
    reply = next();
    ws.send(bin, { binary: true });
    await reply;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000, 'bye');
    });
    expect(received.map((m) => m.binary)).toEqual([false, true]);

    const live = await r.record('cap-ws-1');
    await r.runtime.history!.flush();
    const x = stored(r, live.id);
    expect(x).toMatchObject({ status: 101, route: 'ws', upstream: 'wsapp', target: wsUp.url, url: '/ws/echo', method: 'GET' });
    const messages = x.websocket!.map((m) => ({ direction: m.direction, opcode: m.opcode, data: Buffer.from(m.data).toString('hex'), size: m.size }));
    const closePayload = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]);
    expect(messages.slice(0, 4)).toEqual([
      { direction: 'client', opcode: 'text', data: Buffer.from('hello gateway').toString('hex'), size: 13 },
      { direction: 'upstream', opcode: 'text', data: Buffer.from('hello gateway').toString('hex'), size: 13 },
      { direction: 'client', opcode: 'binary', data: bin.toString('hex'), size: 6 },
      { direction: 'upstream', opcode: 'binary', data: bin.toString('hex'), size: 6 },
    ]);
    expect(messages[4]).toEqual({ direction: 'client', opcode: 'close', data: closePayload.toString('hex'), size: 5 });
    // The upstream answers the close (echoing the code); nothing comes after the close frames.
    expect(messages.slice(5).every((m) => m.opcode === 'close' && m.direction === 'upstream')).toBe(true);
    expect(messages.length).toBeLessThanOrEqual(6);
    for (const m of x.websocket!) expect(m.truncated).toBe(false);

    const page = await r.call<SearchPage>('history.search', { query: 'is:websocket' });
    expect(page.items.map((i) => i.id)).toEqual([live.id]);
    expect(page.items[0].wsMessages).toBe(x.websocket!.length);
    const wire = await r.call<WireExchange>('history.get', { id: live.id });
    expect(text(wire.websocket![0])).toBe('hello gateway');
  });
});

describe('shutdown', () => {
  it('waits for a record whose compressed body is still being masked, so closing right after a response loses nothing', async () => {
    const t = tempDir('switchyard-capture-close-');
    cleanups.push(t.cleanup);
    const r = await startRuntimeRig(workspace('capture: { maxBodySize: 16MB }'), t.dir);
    // Megabytes to decode, mask and encode again: the record is still on its way when close() starts.
    const upload = gzipSync(JSON.stringify({ token: JWT, rows: Array.from({ length: 60_000 }, (_, i) => ({ i, name: `row ${i}`, tags: ['a', 'b'] })) }));
    const headers = ['Host', 'api.localhost', 'X-Request-Id', 'close-gzip', 'Content-Type', 'application/json', 'Content-Encoding', 'gzip', 'Content-Length', String(upload.length)];
    expect((await send(r.port, { method: 'POST', path: '/json', headers, body: upload })).status).toBe(200);
    await r.close();
    const store = HistoryStore.open(join(t.dir, 'history.db'));
    try {
      const items = store.search({ query: 'rid:close-gzip' }).items;
      expect(items).toHaveLength(1);
      const x = store.get(items[0].id)!;
      expect(gunzipSync(x.requestBody.bytes!).toString()).toContain('"token":"[masked-jwt]"');
    } finally {
      store.close();
    }
  });
});

describe('capture switches', () => {
  it('capture: { keepSecrets: true } keeps every secret', async () => {
    const r = await rig('capture: { keepSecrets: true }');
    const body = JSON.stringify({ token: JWT });
    await send(r.port, {
      method: 'POST',
      path: `/json?token=${JWT}`,
      headers: [
        'Host', 'api.localhost',
        'X-Request-Id', 'keep-1',
        'Authorization', 'Bearer sk_live_abcdef123456',
        'Cookie', 'sid=abc123; theme=dark',
        'X-Partner-Key', 'k-123',
        'Content-Type', 'application/json',
        'Content-Length', String(Buffer.byteLength(body)),
      ],
      body,
    });
    const live = await r.record('keep-1');
    await r.runtime.history!.flush();
    const x = stored(r, live.id);
    expect(x.url).toBe(`/json?token=${JWT}`);
    expect(pairsNamed(x.requestHeaders, ['authorization', 'cookie', 'x-partner-key'])).toEqual([
      'Authorization', 'Bearer sk_live_abcdef123456',
      'Cookie', 'sid=abc123; theme=dark',
      'X-Partner-Key', 'k-123',
    ]);
    expect(headerValues(x.responseHeaders, 'set-cookie')).toEqual(['sid=s3cr3t-value; Path=/; HttpOnly; SameSite=Lax', 'theme=dark']);
    expect(Buffer.from(x.requestBody.bytes!).toString()).toBe(body);
    expect(Buffer.from(x.responseBody.bytes!).toString()).toContain(JWT);
  });

  it('capture: { enabled: false } records nothing', async () => {
    const r = await rig('capture: { enabled: false }');
    for (let i = 0; i < 5; i++) {
      const res = await send(r.port, { path: `/json?n=${i}`, headers: ['Host', 'api.localhost', 'X-Request-Id', `off-${i}`] });
      expect(res.status).toBe(200);
    }
    await send(r.port, { path: '/nothing', headers: ['Host', 'nowhere.localhost'] });
    await r.runtime.history!.flush();
    await new Promise((res) => setTimeout(res, 100));
    await r.runtime.history!.flush();
    expect(r.records).toEqual([]);
    expect(await r.call('history.search', { query: '', withTotal: true })).toMatchObject({ items: [], total: 0 });
    expect(r.runtime.history!.stats().writer.enqueued).toBe(0);
  });

  it('history: { enabled: false } keeps the recent cache (history.get) while history.search says history is off', async () => {
    const r = await rig('history: { enabled: false }');
    expect(r.runtime.history).toBeNull();
    const res = await send(r.port, { path: '/json?x=1', headers: ['Host', 'api.localhost', 'Authorization', 'Bearer hidden-token'] });
    const [id] = headerValues(res.rawHeaders, 'x-request-id');
    await r.record(id);
    const wire = await r.call<WireExchange>('history.get', { id });
    expect(wire).toMatchObject({ id, status: 200, route: 'api', upstream: 'app', url: '/json?x=1' });
    expect(headerValues(wire.requestHeaders, 'authorization')).toEqual(['Bearer [masked]']);
    expect(text(wire.responseBody)).toContain('zebracorn');
    await expect(r.call('history.search', { query: '' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/history is switched off/i) });
    await expect(r.call('history.get', { id: 'no-such-id' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // An import has nowhere to go: refused, not "imported" into the recent cache only.
    const har = { log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [{ startedDateTime: '2026-01-01T00:00:00Z', time: 1, request: { method: 'GET', url: 'http://imp.localhost/x', headers: [] }, response: { status: 200, headers: [], content: { size: 0 } } }] } };
    await expect(r.call('history.importHar', { har })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/history is switched off/i) });
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${r.dataDir}/history.db`)).toBe(false);
  });
});
