/**
 * Diff of exchanges captured from a real gateway: JSON bodies that differ
 * deep inside, text bodies line by line, binary by hash, headers, status,
 * timing and size deltas — and a replay compared with its original.
 */
import http from 'node:http';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { diffExchanges } from '../../src-proxy/replay/diff.js';
import { formatUnified } from '../../src-proxy/replay/text-diff.js';
import { replayExchange } from '../../src-proxy/replay/replay.js';
import { startGateway, waitFor, type Gateway } from '../helpers/gateway.js';
import { startServer, type Started } from '../helpers/upstreams.js';

let gw: Gateway;
let app: Started<http.Server>;
const records: CapturedExchange[] = [];
let calls = 0;

function catalog(v: number) {
  return {
    version: v,
    store: {
      name: 'main',
      sections: [
        { title: 'fruit', items: [{ sku: 'apple', price: 1 }, { sku: 'pear', price: 2 }] },
        {
          title: 'veg',
          items: [
            { sku: 'leek', price: 3 },
            { sku: 'kale', price: 4 },
            { sku: 'beet', price: 5 },
            { sku: 'corn', price: v === 1 ? 6 : 7, meta: { origin: { country: 'NL', farms: v === 1 ? ['a', 'b'] : ['a'] } } },
          ],
        },
      ],
    },
    ...(v === 2 ? { note: 'new field' } : {}),
  };
}

beforeAll(async () => {
  app = await startServer((req, res) => {
    calls++;
    req.resume();
    const url = new URL(req.url!, 'http://x');
    const v = Number(url.searchParams.get('v') ?? 1);
    if (url.pathname === '/catalog') {
      const body = JSON.stringify(catalog(v), null, v === 1 ? 0 : 2);
      res.writeHead(v === 1 ? 200 : 201, { 'content-type': 'application/json', 'x-version': String(v), ...(v === 2 ? { 'x-extra': 'yes' } : { 'x-gone': 'old' }) });
      res.end(body);
    } else if (url.pathname === '/gz') {
      // v1 as br, v2 as gzip: the diff is of the JSON either way.
      const json = JSON.stringify(catalog(v));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': v === 1 ? 'br' : 'gzip' });
      res.end(v === 1 ? brotliCompressSync(json) : gzipSync(json));
    } else if (url.pathname === '/text') {
      const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
      if (v === 2) {
        lines[5] = 'line five changed';
        lines.splice(30, 1);
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(lines.join('\n') + '\n');
    } else {
      const bytes = Buffer.alloc(256, v);
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(bytes);
    }
  });
  gw = await startGateway(`
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0" }
routes:
  - { name: app, match: { path: / }, upstream: app }
upstreams:
  app: { targets: [{ url: "${app.url}" }] }
`);
  gw.engine.capture.add((r) => records.push(r));
});

afterAll(async () => {
  await gw?.stop();
  await app?.close();
});

async function get(path: string): Promise<CapturedExchange> {
  const before = records.length;
  await new Promise<void>((resolve, reject) => {
    http
      .get(`${gw.url}${path}`, { agent: false }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
  await waitFor(() => records.length > before, 3000, 'capture');
  return records[records.length - 1];
}

describe('diff of captured exchanges', () => {
  it('compares JSON bodies structurally and finds changes deep inside', async () => {
    const a = await get('/catalog?v=1');
    const b = await get('/catalog?v=2');
    const d = await diffExchanges(a, b, { ignoreHeaders: ['date', 'content-length', 'x-request-id'] });
    expect(d.same).toBe(false);
    expect(d.status).toEqual({ same: false, a: 200, b: 201 });
    expect(d.request.url).toEqual({ same: false, a: '/catalog?v=1', b: '/catalog?v=2' });
    expect(d.response.body.kind).toBe('json');
    if (d.response.body.kind !== 'json') throw new Error('not json');
    // Pretty-printing differs (v2 is indented) but structure is what is compared.
    expect(d.response.body.changes).toEqual([
      { path: '$.version', kind: 'changed', a: 1, b: 2 },
      { path: '$.store.sections[1].items[3].price', kind: 'changed', a: 6, b: 7 },
      { path: '$.store.sections[1].items[3].meta.origin.farms[1]', kind: 'removed', a: 'b' },
      { path: '$.note', kind: 'added', b: 'new field' },
    ]);
    expect(d.response.headers.added).toEqual([{ name: 'x-extra', values: ['yes'] }]);
    expect(d.response.headers.removed).toEqual([{ name: 'x-gone', values: ['old'] }]);
    expect(d.response.headers.changed).toEqual([{ name: 'x-version', a: ['1'], b: ['2'] }]);
    expect(d.request.body.kind).toBe('none');
    expect(d.size.response.delta).toBe(b.responseBody.size - a.responseBody.size);
    expect(d.timing.total.delta).toBeCloseTo(b.timings.total - a.timings.total, 6);
  });

  it('compares content-encoded bodies by what they decode to', async () => {
    const a = await get('/gz?v=1');
    const b = await get('/gz?v=2');
    const d = await diffExchanges(a, b);
    if (d.response.body.kind !== 'json') throw new Error(`not json: ${d.response.body.kind}`);
    expect(d.response.body.changes.map((c) => c.path)).toEqual(['$.version', '$.store.sections[1].items[3].price', '$.store.sections[1].items[3].meta.origin.farms[1]', '$.note']);
    expect(d.response.body.a.size).toBe(JSON.stringify(catalog(1)).length);
    // The same JSON, once br-encoded and once as plain bytes, is the same body.
    const plain = await get('/catalog?v=1');
    expect((await diffExchanges(a, plain)).response.body).toMatchObject({ kind: 'json', same: true, bytesEqual: true });
  });

  it('compares text line by line', async () => {
    const a = await get('/text?v=1');
    const b = await get('/text?v=2');
    const d = await diffExchanges(a, b);
    if (d.response.body.kind !== 'text') throw new Error(`not text: ${d.response.body.kind}`);
    const text = d.response.body.text;
    expect(text).toMatchObject({ added: 1, removed: 2, approximate: false });
    expect(formatUnified(text)).toBe(
      ['@@ -3,7 +3,7 @@', ' line 2', ' line 3', ' line 4', '-line 5', '+line five changed', ' line 6', ' line 7', ' line 8', '@@ -28,7 +28,6 @@', ' line 27', ' line 28', ' line 29', '-line 30', ' line 31', ' line 32', ' line 33'].join('\n'),
    );
  });

  it('compares binary bodies by size and hash', async () => {
    const a = await get('/bin?v=1');
    const b = await get('/bin?v=2');
    const c = await get('/bin?v=1');
    const d = await diffExchanges(a, b);
    expect(d.response.body).toMatchObject({ kind: 'binary', same: false });
    const same = await diffExchanges(a, c, { ignoreHeaders: ['date'] });
    expect(same.response.body).toMatchObject({ kind: 'binary', same: true });
    if (same.response.body.kind === 'binary') expect(same.response.body.sha256.a).toBe(same.response.body.sha256.b);
  });

  it('compares a replay with its original', async () => {
    const a = await get('/catalog?v=1');
    const r = await replayExchange(a, {}, { engine: gw.engine });
    await waitFor(() => records.some((x) => x.id === r.id), 3000, 'replay record');
    const b = records.find((x) => x.id === r.id)!;
    const d = await diffExchanges(a, b, { ignoreHeaders: ['date', 'x-request-id'] });
    expect(d.request.headers, JSON.stringify(d.request.headers)).toMatchObject({ same: true });
    expect(d.same).toBe(true);
    expect(d.response.body).toMatchObject({ kind: 'json', same: true, changes: [] });
    expect(d.routing.route).toEqual({ same: true, a: 'app', b: 'app' });
    expect(calls).toBeGreaterThan(0);
  });
});
