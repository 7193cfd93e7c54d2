/**
 * compress, transform and fault probed for what a user of nginx, Traefik or
 * Envoy expects: event streams that are not held back, Range requests that
 * do not corrupt bodies, Accept-Encoding edge cases, and connection resets
 * that work on TLS and reset only one HTTP/2 stream.
 */
import http2 from 'node:http2';
import https from 'node:https';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { startEcho, startTlsGateway, type Echo, type TlsGateway } from '../tls/rig.js';

let upstream: Echo;
let gw: Gateway;
let tls: TlsGateway;
let ca: string;
let releaseStream: (() => void) | null = null;
const seenRange: (string | undefined)[] = [];
let counted = 0;
const TEXT = 'lorem ipsum dolor sit amet '.repeat(100);

beforeAll(async () => {
  upstream = await startEcho((req, res) => {
    const path = req.url ?? '/';
    if (path === '/events') {
      // One event, then nothing until the test has read it (or 5 s passed): a held-back event shows as a timeout.
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: one\n\n');
      const timer = setTimeout(() => res.end('data: late\n\n'), 5000);
      releaseStream = () => {
        clearTimeout(timer);
        res.end('data: two\n\n');
      };
      return;
    }
    if (path === '/counted') {
      counted++;
    }
    if (path.startsWith('/doc')) {
      seenRange.push(req.headers.range);
      const type = path === '/doc.png' ? 'image/png' : path === '/doc.json' ? 'application/json' : 'text/plain';
      const body = path === '/doc.json' ? JSON.stringify({ id: 7, text: TEXT }) : TEXT;
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      const extra: Record<string, string> = path === '/doc-nt' ? { 'cache-control': 'no-transform' } : {};
      if (range !== null) {
        const [first, last] = [Number(range[1]), Number(range[2])];
        res.writeHead(206, { 'content-type': type, 'content-range': `bytes ${first}-${last}/${body.length}`, 'accept-ranges': 'bytes', etag: '"d1"' });
        res.end(body.slice(first, last + 1));
        return;
      }
      res.writeHead(200, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), 'accept-ranges': 'bytes', etag: '"d1"', ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: path }));
  });
  gw = await startGateway(`
version: 1
listeners: [{ name: web, address: 127.0.0.1:0 }]
policies:
  zip: { type: compress, minSize: 1KB, algorithms: [br, gzip] }
  pick: { type: transform, response: { body: { pick: [id] } } }
  teapot: { type: fault, abort: { status: 418 }, percentage: 25 }
  slow: { type: fault, delay: 400ms }
  small: { type: body-limit, maxSize: 64B }
  to-xml: { type: transform, request: { body: { convert: json-to-xml, xmlRoot: doc } } }
  query: { type: transform, request: { query: { set: { v: "2" }, remove: [debug], rename: { q: search } } } }
routes:
  - { name: small-xml, match: { path: /small-xml }, rewrite: { stripPrefix: /small-xml }, policies: [small, to-xml], upstream: app }
  - { name: slow, match: { path: /slow }, rewrite: { stripPrefix: /slow }, policies: [slow], upstream: app }
  - { name: query, match: { path: /q }, rewrite: { stripPrefix: /q }, policies: [query], upstream: app }
  - { name: zip, match: { path: /z }, rewrite: { stripPrefix: /z }, policies: [zip], upstream: app }
  - { name: pick, match: { path: /t }, rewrite: { stripPrefix: /t }, policies: [pick], upstream: app }
  - { name: teapot, match: { path: /teapot }, rewrite: { stripPrefix: /teapot }, policies: [teapot], upstream: app }
upstreams:
  app: { targets: [{ url: ${upstream.url} }] }
`);
  tls = await startTlsGateway(`
version: 1
listeners:
  - { name: secure, address: 127.0.0.1:0, tls: { certificates: local-ca }, http2: true }
policies:
  cut: { type: fault, reset: true, when: { query: { reset: "1" } } }
upstreams:
  app: { targets: [{ url: ${upstream.url} }] }
routes:
  - { name: all, match: { path: / }, policies: [cut], upstream: app }
`);
  ca = (await tls.engine.certificates.localCa()).certificatePem();
});
afterAll(async () => {
  releaseStream?.();
  await gw?.stop();
  await tls?.stop();
  await upstream?.close();
});

async function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await request(gw.url + path, { method, headers, headersTimeout: 5000, bodyTimeout: 8000 });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

describe('compress: streaming and ranges', () => {
  it('passes an event of a compressed event stream on while the stream stays open', async () => {
    for (const encoding of ['gzip', 'br']) {
      const res = await request(gw.url + '/z/events', { headers: { 'accept-encoding': encoding }, bodyTimeout: 8000 });
      expect(res.headers['content-encoding']).toBe(encoding);
      const decoder = encoding === 'gzip' ? zlib.createGunzip() : zlib.createBrotliDecompress();
      let text = '';
      let firstSeenOpen = false;
      decoder.on('data', (c: Buffer) => {
        text += c.toString();
        if (!firstSeenOpen && text.includes('data: one') && releaseStream !== null) {
          firstSeenOpen = true;
          releaseStream(); // only now may the upstream finish
          releaseStream = null;
        }
      });
      for await (const chunk of res.body) decoder.write(chunk as Buffer);
      decoder.end();
      await new Promise((r) => decoder.once('end', r));
      expect(firstSeenOpen).toBe(true);
      expect(text).toBe('data: one\n\ndata: two\n\n');
    }
  });

  it('drops Accept-Ranges from a compressed response; leaves a 206, HEAD, images and no-transform alone', async () => {
    const gz = await get('/z/doc', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['accept-ranges']).toBeUndefined();
    expect(gz.headers.etag).toBe('W/"d1"');
    expect(zlib.gunzipSync(gz.body).toString()).toBe(TEXT);

    const part = await get('/z/doc', { 'accept-encoding': 'gzip', range: 'bytes=0-9' });
    expect(part.status).toBe(206);
    expect(part.headers['content-encoding']).toBeUndefined();
    expect(part.body.toString()).toBe(TEXT.slice(0, 10));

    const head = await get('/z/doc', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.headers['content-encoding']).toBeUndefined();
    expect(head.headers.vary).toBe('Accept-Encoding');

    const png = await get('/z/doc.png', { 'accept-encoding': 'gzip' });
    expect(png.headers['content-encoding']).toBeUndefined();
    expect(png.headers['accept-ranges']).toBe('bytes');

    const nt = await get('/z/doc-nt', { 'accept-encoding': 'gzip' });
    expect(nt.headers['content-encoding']).toBeUndefined();
    expect(nt.headers.etag).toBe('"d1"');
  });

  it('negotiates q-values: q=0 refuses, * covers the rest, identity-only gets identity', async () => {
    const enc = async (ae: string) => (await get('/z/doc', { 'accept-encoding': ae })).headers['content-encoding'];
    expect(await enc('gzip;q=0, br;q=0')).toBeUndefined();
    expect(await enc('br;q=0, *')).toBe('gzip');
    expect(await enc('*;q=0.1, br;q=0')).toBe('gzip');
    expect(await enc('identity')).toBeUndefined();
    expect(await enc('GZIP ; Q=0.5, br;q=0.4')).toBe('gzip');
    expect(await enc('gzip;q=0.5, br;q=0.5')).toBe('br'); // ties: the configured order
  });
});

describe('transform: Range requests', () => {
  it('asks the upstream for the whole body and transforms it instead of failing on a part (it was a 502)', async () => {
    seenRange.length = 0;
    const r = await get('/t/doc.json', { range: 'bytes=0-9', 'if-range': '"d1"' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toEqual({ id: 7 });
    expect(seenRange).toEqual([undefined]);
  });
});

describe('transform: query operations', () => {
  it('leave the parameters they do not name byte for byte (no + for %20, no = added to a bare flag)', async () => {
    const r = await get('/q/echo?sig=a%2Fb%20c&flag&q=x%20y&debug=1&v=1&v=3&t=%7E');
    expect(JSON.parse(r.body.toString()).url).toBe('/echo?sig=a%2Fb%20c&flag&v=2&t=%7E&search=x%20y');
  });
});

describe('transform: request bodies and body limits', () => {
  it('a chunked body a request transform buffers still meets the route body-limit (it went upstream)', async () => {
    const chunked = (n: number) =>
      Readable.from(
        (async function* () {
          yield Buffer.from('{"pad":"');
          yield Buffer.alloc(n, 97);
          yield Buffer.from('"}');
        })(),
      );
    const before = counted;
    const big = await request(gw.url + '/small-xml/counted', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunked(200) });
    expect(big.statusCode).toBe(413);
    await big.body.dump();
    const ok = await request(gw.url + '/small-xml/counted', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunked(10) });
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
    expect(counted - before).toBe(1);
  });
});

describe('fault: reset and percentages', () => {
  it('reset on a TLS (HTTP/1.1) listener sends a reset at once instead of leaving the client hanging', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = https.get(
        { host: '127.0.0.1', port: tls.portOf('secure'), path: '/x?reset=1', ca, servername: 'localhost', timeout: 5000 },
        (res) => {
          res.resume();
          res.on('end', () => resolve(`status ${res.statusCode}`));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    expect(outcome).toBe('ECONNRESET');
  });

  it('reset on HTTP/2 resets that stream only; the connection serves the next request', async () => {
    const session = http2.connect(`https://localhost:${tls.portOf('secure')}`, { ca });
    const one = (path: string) =>
      new Promise<string>((resolve) => {
        const s = session.request({ ':path': path });
        let status = 0;
        s.setTimeout(5000, () => s.close(http2.constants.NGHTTP2_CANCEL));
        s.on('response', (h) => (status = Number(h[':status'])));
        s.resume();
        s.on('error', () => undefined); // the reset under test
        s.on('close', () => resolve(status !== 0 ? `status ${status}` : `reset ${s.rstCode}`));
      });
    try {
      expect(await one('/x?reset=1')).toBe(`reset ${http2.constants.NGHTTP2_INTERNAL_ERROR}`);
      expect(session.destroyed).toBe(false);
      expect(await one('/after')).toBe('status 200');
    } finally {
      session.destroy();
    }
  });

  it('a client that leaves during a delay is not proxied afterwards', async () => {
    const before = counted;
    const ac = new AbortController();
    const pending = request(gw.url + '/slow/counted', { signal: ac.signal }).catch(() => null);
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    await pending;
    await new Promise((r) => setTimeout(r, 600)); // past the delay
    expect(counted).toBe(before);
    expect((await get('/slow/counted')).status).toBe(200);
    expect(counted).toBe(before + 1);
  });

  it('aborts about the configured 25% of 400 requests', async () => {
    let aborted = 0;
    for (let i = 0; i < 400; i++) if ((await get('/teapot/x')).status === 418) aborted++;
    // Binomial(400, 0.25): the standard deviation is ~8.7; ±40 is more than 4.5 of them.
    expect(aborted).toBeGreaterThan(60);
    expect(aborted).toBeLessThan(140);
  });
});

