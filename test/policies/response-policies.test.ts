/**
 * headers, compress, transform, body-limit, fault and mock against a real
 * upstream through the real engine. The upstream answers by path:
 *   /text?n=N   N bytes of text/plain;   /json  a JSON document;
 *   /xml        an XML document;         /echo  the request back as JSON;
 *   /gz         pre-compressed JSON (Content-Encoding: gzip).
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGateway, waitFor, type Gateway } from '../helpers/gateway.js';
import { startServer, type Started } from '../helpers/upstreams.js';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';

let upstream: Started<http.Server>;
let gw: Gateway;
let upstreamHits = 0;
const records: CapturedExchange[] = [];

const JSON_DOC = { id: 7, name: 'Ada', secret: 's3', address: { city: 'London', zip: 'N1' } };

beforeAll(async () => {
  upstream = await startServer((req, res) => {
    upstreamHits++;
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      switch (url.pathname) {
        case '/text': {
          const n = Number(url.searchParams.get('n') ?? 100);
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': n, etag: '"v1"', 'x-upstream': 'yes', 'x-old': 'o' });
          res.end('x'.repeat(n));
          return;
        }
        case '/json':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(JSON_DOC));
          return;
        case '/xml':
          res.writeHead(200, { 'content-type': 'application/xml' });
          res.end('<?xml version="1.0"?><user><id>7</id><name>Ada</name></user>');
          return;
        case '/gz':
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          res.end(zlib.gzipSync(JSON.stringify(JSON_DOC)));
          return;
        case '/big-json':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ pad: 'y'.repeat(4096) }));
          return;
        default:
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              method: req.method,
              url: req.url,
              headers: req.headers,
              body: body.toString('utf8'),
            }),
          );
      }
    });
  });
  gw = await startGateway(`
version: 1
listeners: [{ name: web, address: 127.0.0.1:0 }]
policies:
  hdrs:
    type: headers
    request: { set: { x-set: one }, add: { x-added: two }, remove: [x-drop], rename: { x-from: x-to } }
    response: { set: { x-resp: yes }, remove: [x-upstream], rename: { x-old: x-new } }
    securityHeaders: { csp: "default-src 'self'" }
  zip: { type: compress, minSize: 1KB, algorithms: [br, gzip] }
  to-xml: { type: transform, request: { body: { convert: json-to-xml, xmlRoot: user } }, response: { body: { convert: xml-to-json } } }
  fields:
    type: transform
    request: { path: { pattern: "^/v1/(.*)$", replacement: "/$1" }, query: { set: { v: "2" }, remove: [debug], rename: { q: search } } }
    response: { body: { pick: [id, name, address.city], rename: { name: fullName } } }
    maxBodySize: 1KB
  req-only: { type: transform, request: { path: { pattern: "^/r/v1/(?<rest>.*)$", replacement: "/r/$<rest>" }, query: { set: { v: "2" }, remove: [debug], rename: { q: search } } } }
  small: { type: body-limit, maxSize: 64B }
  slow: { type: fault, delay: 200ms, when: { headers: { x-fault: delay } } }
  teapot: { type: fault, abort: { status: 418, body: short and stout }, percentage: 50 }
  cut: { type: fault, reset: true, when: { query: { reset: "1" } } }
  canned: { type: mock, status: 201, headers: { content-type: application/json }, body: '{"mock":true}', when: { headers: { x-mock: { present: true } } } }
routes:
  - { name: headers, match: { path: /h }, rewrite: { stripPrefix: /h }, policies: [hdrs], upstream: app }
  - { name: compress, match: { path: /z }, rewrite: { stripPrefix: /z }, policies: [zip], upstream: app }
  - { name: legacy, match: { path: /legacy }, rewrite: { stripPrefix: /legacy }, policies: [to-xml], upstream: app }
  - { name: fields, match: { path: /f }, rewrite: { stripPrefix: /f }, policies: [fields], upstream: app }
  - { name: req-only, match: { path: /r }, rewrite: { stripPrefix: /r }, policies: [req-only], upstream: app }
  - { name: limited, match: { path: /small }, rewrite: { stripPrefix: /small }, policies: [small], upstream: app }
  - { name: faults, match: { path: /fault }, rewrite: { stripPrefix: /fault }, policies: [canned, slow, cut], upstream: app }
  - { name: teapot, match: { path: /teapot }, rewrite: { stripPrefix: /teapot }, policies: [teapot], upstream: app }
upstreams:
  app: { targets: [{ url: ${upstream.url} }] }
`);
  gw.engine.capture.add((r) => records.push(r));
});

afterAll(async () => {
  await gw?.stop();
  await upstream?.close();
});

async function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  const res = await request(gw.url + path, { method, headers, body });
  const buf = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body: buf, text: buf.toString('utf8') };
}

describe('headers', () => {
  it('changes request headers in the order remove, rename, set, add', async () => {
    const r = await get('/h/echo', { 'x-drop': 'gone', 'x-from': 'moved', 'x-set': 'zero', 'x-added': 'one' });
    const seen = JSON.parse(r.text).headers as Record<string, string>;
    expect(seen['x-drop']).toBeUndefined();
    expect(seen['x-from']).toBeUndefined();
    expect(seen['x-to']).toBe('moved');
    expect(seen['x-set']).toBe('one');
    expect(seen['x-added']).toBe('one, two');
  });

  it('changes response headers and fills in the security preset (no HSTS without TLS)', async () => {
    const r = await get('/h/text');
    expect(r.headers['x-resp']).toBe('yes');
    expect(r.headers['x-upstream']).toBeUndefined();
    expect(r.headers['x-new']).toBe('o');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(r.headers['content-security-policy']).toBe("default-src 'self'");
    expect(r.headers['strict-transport-security']).toBeUndefined();
  });

  it('applies to the gateway\'s own answers too (a 404 problem on the same route is not one, but a 502 is)', async () => {
    await upstream.close();
    try {
      const r = await get('/h/text');
      expect(r.status).toBe(502);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      // restart on the same port for the other tests
      await new Promise<void>((resolve) => upstream.server.listen(upstream.port, '127.0.0.1', () => resolve()));
    }
  });
});

describe('compress', () => {
  it('gzip and brotli round-trip with a real decoder, chosen by q-values, with Vary and a weak ETag', async () => {
    const br = await get('/z/text?n=5000', { 'accept-encoding': 'gzip;q=0.5, br;q=1' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers.etag).toBe('W/"v1"');
    expect(br.headers['content-length']).toBeUndefined();
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe('x'.repeat(5000));
    expect(br.body.length).toBeLessThan(200);

    const gz = await get('/z/text?n=5000', { 'accept-encoding': 'gzip, br;q=0' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).toString()).toBe('x'.repeat(5000));

    // Capture records the decision with the exchange (a compressed text body is masked off the event loop, so it comes a moment later).
    await waitFor(() => records.some((r) => r.requestId === gz.headers['x-request-id']), 3000, 'the record of the gzip exchange');
    const record = records.find((r) => r.requestId === gz.headers['x-request-id']);
    expect(record?.policies).toEqual([{ policy: 'zip', type: 'compress', outcome: 'gzip' }]);
  });

  it('leaves alone: small bodies, clients that do not accept, identity;q=0 with nothing offered, HEAD, already-encoded bodies', async () => {
    const small = await get('/z/text?n=100', { 'accept-encoding': 'gzip' });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers.vary).toBe('Accept-Encoding');
    expect(small.text).toBe('x'.repeat(100));

    const none = await get('/z/text?n=5000');
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.body.length).toBe(5000);

    const head = await get('/z/text?n=5000', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.headers['content-encoding']).toBeUndefined();

    const pre = await get('/z/gz', { 'accept-encoding': 'gzip, br' });
    expect(pre.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(zlib.gunzipSync(pre.body).toString())).toEqual(JSON_DOC); // once, not twice
  });

  it('streams a large body with backpressure', async () => {
    const r = await get('/z/text?n=3000000', { 'accept-encoding': 'gzip' });
    expect(zlib.gunzipSync(r.body).length).toBe(3_000_000);
  });
});

describe('transform', () => {
  it('JSON → XML for a legacy upstream and XML → JSON back (round-trip)', async () => {
    const r = await get('/legacy/echo', { 'content-type': 'application/json' }, 'POST', JSON.stringify({ id: 7, name: 'Ada' }));
    // /echo answers JSON, which an xml-to-json response transform leaves alone; the upstream saw XML:
    const seen = JSON.parse(r.text) as { headers: Record<string, string>; body: string };
    expect(seen.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(seen.body).toBe('<?xml version="1.0" encoding="UTF-8"?><user><id>7</id><name>Ada</name></user>');
    expect(Number(seen.headers['content-length'])).toBe(Buffer.byteLength(seen.body));

    const back = await get('/legacy/xml');
    expect(back.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(back.text)).toEqual({ id: 7, name: 'Ada' });
  });

  it('JSON pick and rename on the response, a gzip body decoded first', async () => {
    const r = await get('/f/json');
    expect(JSON.parse(r.text)).toEqual({ id: 7, fullName: 'Ada', address: { city: 'London' } });
    const gz = await get('/f/gz');
    expect(gz.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(gz.text)).toEqual({ id: 7, fullName: 'Ada', address: { city: 'London' } });
  });

  it('rewrites path (named capture) and query before proxying', async () => {
    const r = await get('/r/v1/echo?q=cats&debug=1&keep=yes');
    expect(JSON.parse(r.text).url).toBe('/echo?keep=yes&search=cats&v=2');
  });

  it('502 when the response is too large to transform, 400 when the request body does not parse', async () => {
    const big = await get('/f/big-json');
    expect(big.status).toBe(502);
    expect(JSON.parse(big.text).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(JSON.parse(big.text).detail).toMatch(/larger than 1024 bytes/);
    const bad = await get('/legacy/echo', { 'content-type': 'application/json' }, 'POST', '{nope');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).detail).toMatch(/not valid JSON/);
  });
});

describe('body-limit', () => {
  it('413 for a declared length over the cap and for a chunked body passing it; smaller bodies pass', async () => {
    const ok = await get('/small/echo', {}, 'POST', 'x'.repeat(64));
    expect(ok.status).toBe(200);
    const declared = await get('/small/echo', {}, 'POST', 'x'.repeat(65));
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.text).code).toBe('PAYLOAD_TOO_LARGE');
    const chunked = await request(gw.url + '/small/echo', {
      method: 'POST',
      body: Readable.from(
        (async function* () {
          for (let i = 0; i < 10; i++) yield Buffer.alloc(20, 97);
        })(),
      ),
    });
    expect(chunked.statusCode).toBe(413);
    await chunked.body.dump();
  });
});

describe('fault and mock', () => {
  it('mock answers only when its condition holds', async () => {
    const mocked = await get('/fault/echo', { 'x-mock': '1' });
    expect(mocked.status).toBe(201);
    expect(JSON.parse(mocked.text)).toEqual({ mock: true });
    const passed = await get('/fault/echo');
    expect(passed.status).toBe(200);
    expect(JSON.parse(passed.text).method).toBe('GET');
  });

  it('delays when the header matches', async () => {
    const t0 = performance.now();
    const r = await get('/fault/echo', { 'x-fault': 'delay' });
    expect(r.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('resets the connection when the query matches', async () => {
    await expect(get('/fault/echo?reset=1')).rejects.toThrow();
    expect((await get('/fault/echo')).status).toBe(200); // the gateway keeps serving
  });

  it('aborts about the configured share of requests', async () => {
    const before = upstreamHits;
    const statuses: number[] = [];
    for (let i = 0; i < 400; i++) statuses.push((await get('/teapot/echo')).status);
    const aborted = statuses.filter((s) => s === 418).length;
    expect(aborted).toBeGreaterThan(400 * 0.4);
    expect(aborted).toBeLessThan(400 * 0.6);
    expect(upstreamHits - before).toBe(400 - aborted);
  });
});
