/**
 * The control API end to end over HTTP: the headless host (as `switchyard
 * serve` starts it) in front of a runtime with real traffic in its history.
 * Search with the query language, clear errors for bad queries, get, delete,
 * clear, replay (as-is, edited, direct; linked by replayOf), diff, curl and a
 * HAR export → import round trip.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type HeadlessHost } from '../../src-main/headless/host.js';
import type { ExchangeDiff } from '../../src-proxy/replay/diff.js';
import type { SearchPage } from '../../src-proxy/history/types.js';
import { caPaths } from '../../src-proxy/tls/ca-files.js';
import { harErrors } from '../har/har-schema.js';
import { rpc, type RawResponse } from '../headless/helpers.js';
import { tempDir } from '../history/fixtures.js';
import { closedUrl, fromBase64, headerValues, send, startApp, startRuntimeRig, type AppUpstream, type RuntimeRig, type WireExchange } from './rig.js';

let app: AppUpstream;
let r: RuntimeRig;
let host: HeadlessHost;
let data: ReturnType<typeof tempDir>;
let downUrl: string;
/** Exchange ids by the X-Request-Id they were sent with. */
const ids: Record<string, string> = {};

const ORDER = { order: { id: 7, items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2, tags: ['x', 'y'] }] }, note: 'quokka' };

beforeAll(async () => {
  app = await startApp();
  downUrl = await closedUrl();
  data = tempDir('switchyard-control-');
  r = await startRuntimeRig(
    `
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0" }
  - { name: secure, address: "127.0.0.1:0", tls: { certificates: local-ca } }
routes:
  - { name: tls, match: { host: secure.localhost }, upstream: app }
  - { name: api, match: { host: api.localhost }, upstream: app }
  - { name: down, match: { path: /down }, upstream: down }
upstreams:
  app: { targets: [{ url: "${app.url}" }] }
  down: { targets: [{ url: "${downUrl}" }] }
`,
    data.dir,
  );
  host = await startHeadlessHost({ control: r.runtime.control, engine: r.runtime.engine, port: 0, log: () => undefined });

  const traffic: { rid: string; method?: string; path: string; host?: string; body?: string; type?: string }[] = [
    { rid: 'json-0', path: '/json?n=0' },
    { rid: 'json-1', path: '/json?n=1' },
    { rid: 'json-2', path: '/json?n=2' },
    { rid: 'order', method: 'POST', path: '/echo', body: JSON.stringify(ORDER), type: 'application/json' },
    { rid: 'slow', path: '/slow?ms=400' },
    { rid: 'down-0', path: '/down/a', host: '127.0.0.1' },
    { rid: 'down-1', path: '/down/b', host: '127.0.0.1' },
    { rid: 'missing', path: '/x', host: 'nowhere.localhost' },
  ];
  for (const t of traffic) {
    const headers = ['Host', t.host ?? 'api.localhost', 'X-Request-Id', t.rid];
    if (t.body !== undefined) headers.push('Content-Type', t.type!, 'Content-Length', String(Buffer.byteLength(t.body)));
    await send(r.port, { method: t.method, path: t.path, headers, body: t.body });
    ids[t.rid] = (await r.record(t.rid)).id;
  }
  await r.runtime.history!.flush({ index: true });
});

afterAll(async () => {
  await host?.close();
  await r?.close();
  await app?.close();
  data?.cleanup();
});

async function ok<T>(method: string, args: unknown): Promise<T> {
  const res = await rpc(host, method, args);
  if (res.status !== 200) throw new Error(`${method} → ${res.status}: ${res.text}`);
  return res.json<T>();
}

async function search(query: string, extra: Record<string, unknown> = {}): Promise<SearchPage> {
  return ok<SearchPage>('history.search', { query, ...extra });
}

const rids = (page: SearchPage) => page.items.map((i) => i.requestId);

function problem(res: RawResponse, status: number, code: string): Record<string, unknown> {
  expect(res.status, res.text).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  const body = res.json();
  expect(body).toMatchObject({ status, code });
  return body;
}

describe('control API over HTTP: search', () => {
  it('searches with the query language: status class, route, duration, free text, combinations, paging', async () => {
    expect(rids(await search('status:5xx'))).toEqual(['down-1', 'down-0']);
    expect(rids(await search('route:down'))).toEqual(['down-1', 'down-0']);
    expect(rids(await search('route:api method:POST'))).toEqual(['order']);
    // The slow one (400 ms at the upstream) for sure; anything else only if it really took that long.
    const slowOnes = r.records.filter((x) => x.duration > 300).map((x) => x.requestId);
    expect(slowOnes).toContain('slow');
    expect(rids(await search('dur>300ms'))).toEqual(slowOnes.reverse());
    expect(rids(await search('dur<300ms'))).not.toContain('slow');
    expect(rids(await search('quokka'))).toEqual(['order']);
    expect(rids(await search('status:404 error:ROUTE_NOT_FOUND'))).toEqual(['missing']);
    expect(rids(await search('route:api -path:/slow status:2xx'))).toEqual(['order', 'json-2', 'json-1', 'json-0']);
    expect(rids(await search('host:api.localhost path:/json'))).toEqual(['json-2', 'json-1', 'json-0']);

    const all = await search('', { withTotal: true });
    expect(all.total).toBe(8);
    const first = await search('', { limit: 3, withTotal: true });
    expect(first.total).toBe(8);
    expect(first.items).toHaveLength(3);
    const second = await search('', { limit: 3, cursor: first.nextCursor });
    expect([...rids(first), ...rids(second)]).toEqual(rids(all).slice(0, 6));
    expect(await ok('history.count', { query: 'status:5xx' })).toEqual({ count: 2 });
  });

  it('answers a bad query with a 400 problem that carries the position and length of the error', async () => {
    const res = await rpc(host, 'history.search', { query: 'route:api status:abc' });
    const body = problem(res, 400, 'BAD_REQUEST');
    expect(body).toMatchObject({ position: 17, length: 3 });
    expect(String(body.detail)).toContain('status');

    const quote = problem(await rpc(host, 'history.search', { query: 'a "unterminated' }), 400, 'BAD_REQUEST');
    expect(quote).toMatchObject({ position: 2, length: 13 });
    expect(String(quote.detail)).toMatch(/unterminated quote/i);
    problem(await rpc(host, 'history.count', { query: 'foo:bar' }), 400, 'BAD_REQUEST');
    problem(await rpc(host, 'history.delete', { query: 'dur>fast' }), 400, 'BAD_REQUEST');
    // An export by query reads the same language: a bad one is the same 400, not an internal error.
    expect(problem(await rpc(host, 'history.exportHar', { query: 'status:', limit: 5 }), 400, 'BAD_REQUEST')).toMatchObject({ position: 0, length: 7 });
    // Invalid arguments are refused before anything runs.
    problem(await rpc(host, 'history.search', { query: 5 }), 400, 'BAD_REQUEST');
  });

  it('gets a whole exchange (bodies as base64), and 404 for an unknown id', async () => {
    r.runtime.recent.clear(); // from the database
    const x = await ok<WireExchange>('history.get', { id: ids.order });
    expect(x).toMatchObject({ id: ids.order, requestId: 'order', method: 'POST', url: '/echo', status: 200, route: 'api', upstream: 'app', target: app.url, source: 'live' });
    expect(JSON.parse(fromBase64(x.requestBody.base64)!.toString())).toEqual(ORDER);
    expect(JSON.parse(fromBase64(x.responseBody.base64)!.toString())).toEqual(ORDER);
    expect(headerValues(x.requestHeaders, 'content-type')).toEqual(['application/json']);
    problem(await rpc(host, 'history.get', { id: 'no-such-exchange' }), 404, 'NOT_FOUND');
  });
});

describe('control API over HTTP: replay, diff, curl', () => {
  it('replays as-is through the gateway, linked to the original', async () => {
    const before = app.seen.length;
    const result = await ok<{ id: string; mode: string; status: number; replayOf: string; gateway: { route: string } }>('replay.send', { id: ids['json-1'] });
    expect(result).toMatchObject({ mode: 'gateway', status: 200, replayOf: ids['json-1'], gateway: { route: 'api' } });
    expect(app.seen.length).toBe(before + 1);
    expect(app.seen.at(-1)!.url).toBe('/json?n=1');
    await r.runtime.history!.flush();

    const x = await ok<WireExchange>('history.get', { id: result.id });
    expect(x).toMatchObject({ replayOf: ids['json-1'], source: 'replay', route: 'api', url: '/json?n=1', status: 200 });
    expect(rids(await search(`replay-of:${ids['json-1']}`)).length).toBe(1);
    expect((await search('is:replay')).items.map((i) => i.id)).toContain(result.id);

    const diff = await ok<ExchangeDiff>('diff.exchanges', { a: ids['json-1'], b: result.id, ignoreHeaders: ['x-request-id', 'date'] });
    expect(diff.status.same).toBe(true);
    expect(diff.request.url.same).toBe(true);
    expect(diff.response.body.same).toBe(true);
  });

  it('replays edited (method, URL, headers, body) and diffs JSON bodies that differ deep inside', async () => {
    const edited = structuredClone(ORDER);
    edited.order.items[1].qty = 3;
    edited.order.items[1].tags!.push('z');
    const result = await ok<{ id: string; status: number }>('replay.send', {
      id: ids.order,
      edit: { method: 'PUT', url: '/echo?edited=1', headers: { set: { 'X-Edited': 'yes' } }, body: { text: JSON.stringify(edited) } },
    });
    expect(result.status).toBe(200);
    expect(app.seen.at(-1)).toMatchObject({ method: 'PUT', url: '/echo?edited=1' });
    expect(headerValues(app.seen.at(-1)!.rawHeaders, 'x-edited')).toEqual(['yes']);
    await r.runtime.history!.flush();
    const x = await ok<WireExchange>('history.get', { id: result.id });
    expect(x).toMatchObject({ replayOf: ids.order, source: 'replay', method: 'PUT', url: '/echo?edited=1' });

    const diff = await ok<ExchangeDiff>('diff.exchanges', { a: ids.order, b: result.id });
    expect(diff.same).toBe(false);
    expect(diff.request.method).toEqual({ same: false, a: 'POST', b: 'PUT' });
    expect(diff.request.url).toMatchObject({ same: false, a: '/echo', b: '/echo?edited=1' });
    expect(diff.request.headers.added).toEqual(expect.arrayContaining([expect.objectContaining({ name: expect.stringMatching(/^x-edited$/i) })]));
    const body = diff.response.body as ExchangeDiff['response']['body'] & { kind: 'json'; changes: { path: string; kind: string; a?: unknown; b?: unknown }[] };
    expect(body.kind).toBe('json');
    expect(body.changes).toEqual([
      { path: '$.order.items[1].qty', kind: 'changed', a: 2, b: 3 },
      { path: '$.order.items[1].tags[2]', kind: 'added', b: 'z' },
    ]);
  });

  it('replays directly to a target, recorded with source replay', async () => {
    const result = await ok<{ id: string; mode: string; status: number; url: string }>('replay.send', { id: ids['json-2'], target: app.url });
    expect(result).toMatchObject({ mode: 'direct', status: 200, url: `${app.url}/json?n=2` });
    await r.runtime.history!.flush();
    const x = await ok<WireExchange>('history.get', { id: result.id });
    expect(x).toMatchObject({ replayOf: ids['json-2'], source: 'replay', url: '/json?n=2', status: 200 });
    expect(rids(await search(`replay-of:${ids['json-2']}`))).toHaveLength(1);
    // A replay of something that was never captured is a 404.
    problem(await rpc(host, 'replay.send', { id: 'nope' }), 404, 'NOT_FOUND');
  });

  it('renders a captured request as a curl command aimed at the listener it came in on, its Host sent explicitly', async () => {
    const { command } = await ok<{ command: string }>('exchange.curl', { id: ids.order, multiline: false });
    expect(command).toMatch(/^curl /);
    // Not http://api.localhost/…: that name is a route's, and port 80 is nobody's.
    expect(command).toContain(`curl ${r.url}/echo `);
    expect(command).toContain(`-H 'Host: api.localhost'`);
    expect(command).toContain('--data-raw'); // which makes it a POST
    const get = await ok<{ command: string }>('exchange.curl', { id: ids['json-1'] });
    expect(get.command).toContain(`'${r.url}/json?n=1'`);
    expect(get.command).not.toContain('--data');
    // And it runs: the gateway routes it by its Host to the app.
    const seen = app.seen.length;
    await promisify(execFile)('bash', ['-c', get.command], { timeout: 15_000 });
    expect(app.seen.slice(seen).map((x) => x.url)).toEqual(['/json?n=1']);
    expect(command).toContain('quokka');
    expect(command).toMatch(/content-type: application\/json/i);
  });
});

describe('control API over HTTP: curl for a TLS listener', () => {
  it('reaches a local-CA listener under the request\'s own name (--resolve, so SNI matches) and trusts the local CA, no -k', async () => {
    const port = r.runtime.engine.listeners().find((l) => l.name === 'secure')!.port;
    const caCert = caPaths(data.dir).certPath;
    await new Promise<void>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port, servername: 'secure.localhost', path: '/json?tls=1', headers: { host: `secure.localhost:${port}`, 'x-request-id': 'tls-1' }, ca: readFileSync(caCert), agent: false },
        (res) => res.resume().on('end', resolve),
      );
      req.on('error', reject).end();
    });
    const id = (await r.record('tls-1')).id;
    const { command } = await ok<{ command: string }>('exchange.curl', { id, multiline: false });
    expect(command).toContain(`curl 'https://secure.localhost:${port}/json?tls=1'`);
    expect(command).toContain(`--resolve secure.localhost:${port}:127.0.0.1`);
    expect(command).toContain(`--cacert ${caCert}`);
    expect(command).not.toContain('Host:');
    expect(command).not.toMatch(/ -k\b/);
    const seen = app.seen.length;
    await promisify(execFile)('bash', ['-c', command], { timeout: 15_000 });
    expect(app.seen.slice(seen).map((x) => x.url)).toEqual(['/json?tls=1']);
  });
});

describe('control API over HTTP: HAR, delete, clear', () => {
  it('exports HAR 1.2 and imports it back equal, as source import', async () => {
    // By id: curl commands run by the tests above sent more api traffic, stored or not yet.
    const api = ['json-0', 'json-1', 'json-2', 'order', 'slow'].map((rid) => ids[rid]);
    const har = await ok<{ log: { entries: unknown[] } }>('history.exportHar', { ids: api });
    expect(harErrors(har)).toBe('');
    expect(har.log.entries).toHaveLength(5);

    const imported = await ok<{ imported: number; ids: string[]; warnings: string[] }>('history.importHar', { har: JSON.stringify(har) });
    expect(imported.imported).toBe(5);
    expect(imported.warnings).toEqual([]);
    r.runtime.recent.clear();
    for (const id of imported.ids) {
      const x = await ok<WireExchange>('history.get', { id });
      expect(x.source).toBe('import');
      expect(Object.values(ids)).not.toContain(id);
      const original = await ok<WireExchange>('history.get', { id: ids[x.requestId] });
      const strip = ({ id: _id, source: _s, ...rest }: WireExchange) => rest;
      expect(strip(x)).toEqual(strip(original));
    }
    expect(rids(await search('is:imported'))).toHaveLength(5);
    await r.runtime.history!.flush({ index: true });
    expect((await search('source:import quokka')).items).toHaveLength(1);
  });

  it('deletes by ids and by query, and clears', async () => {
    expect(await ok('history.delete', { ids: [ids['json-0']] })).toEqual({ deleted: 1 });
    problem(await rpc(host, 'history.get', { id: ids['json-0'] }), 404, 'NOT_FOUND');
    expect(rids(await search('path:/json source:live'))).not.toContain('json-0');

    // Two more failures, fresh (so also in the recent cache).
    for (const rid of ['down-2', 'down-3']) {
      await send(r.port, { path: '/down/c', headers: ['Host', '127.0.0.1', 'X-Request-Id', rid] });
      ids[rid] = (await r.record(rid)).id;
    }
    // Not flushed: the two fresh ones may still be queued for the writer, and must go from the cache too.
    expect(await ok('history.delete', { query: 'status:5xx' })).toEqual({ deleted: 4 });
    expect((await search('status:5xx')).items).toEqual([]);
    for (const rid of ['down-0', 'down-1', 'down-2', 'down-3']) problem(await rpc(host, 'history.get', { id: ids[rid] }), 404, 'NOT_FOUND');

    const { count } = await ok<{ count: number }>('history.count', { query: '' });
    expect(count).toBeGreaterThan(5);
    expect(await ok('history.clear', {})).toEqual({ deleted: count });
    expect(await search('', { withTotal: true })).toMatchObject({ items: [], total: 0 });
    problem(await rpc(host, 'history.get', { id: ids.order }), 404, 'NOT_FOUND');
  });
});

describe('history.exportHar by query with a clear running alongside', () => {
  it('leaves out exchanges deleted while it reads them, rather than failing with 404 for an id the caller never named', async () => {
    const at = Date.parse('2026-01-01T00:00:00Z');
    const entries = Array.from({ length: 1500 }, (_, i) => ({
      startedDateTime: new Date(at + i).toISOString(),
      time: 1,
      request: { method: 'GET', url: `http://race.localhost/r/${i}`, httpVersion: 'HTTP/1.1', headers: [], cookies: [], queryString: [], headersSize: -1, bodySize: 0 },
      response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 2, mimeType: 'text/plain', text: 'ok' }, redirectURL: '', headersSize: -1, bodySize: 2 },
      cache: {},
      timings: { send: 0, wait: 1, receive: 0 },
    }));
    await ok('history.importHar', { har: { log: { version: '1.2', creator: { name: 'test', version: '1' }, entries } } });
    await r.runtime.history!.flush();
    const exporting = rpc(host, 'history.exportHar', { query: 'host:race.localhost', limit: 5000 });
    // The export reads its first page, then each exchange in turn; the clear lands among those reads.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const cleared = await ok<{ deleted: number }>('history.clear', {});
    const res = await exporting;
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const har = res.json<{ log: { entries: unknown[] } }>();
    expect(cleared.deleted).toBeGreaterThan(0);
    expect(har.log.entries.length).toBeLessThanOrEqual(1500);
  });
});
