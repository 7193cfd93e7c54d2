/** HTTP/2 through the same pipeline as HTTP/1.1: multiplexing, large bodies, trailers, connection headers, policies. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcho, startTlsGateway, type Echo, type TlsGateway } from './rig.js';

const BIG = 5 * 1024 * 1024;
const bigBody = Buffer.alloc(BIG, 'switchyard-h2 ');
let echo: Echo;
let gw: TlsGateway;
let origin: string;
let ca: string;
let inflight = 0;
let maxInflight = 0;

beforeAll(async () => {
  echo = await startEcho((req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url ?? '/';
    if (url === '/slow') {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      setTimeout(() => {
        inflight--;
        res.end('slow');
      }, 100);
      return;
    }
    if (url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG });
      res.end(bigBody);
      return;
    }
    if (url === '/repeated') {
      // Fields HTTP/2 (in node) takes once, sent twice, as some upstreams do.
      res.setHeader('expires', ['0', 'Thu, 01 Jan 1970 00:00:00 GMT']);
      res.setHeader('content-type', ['text/plain', 'text/html']);
      res.setHeader('content-language', ['en', 'de']);
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end('hello');
      return;
    }
    if (url === '/trailers') {
      // Connection-specific headers an HTTP/2 response must never carry.
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum', connection: 'keep-alive', 'keep-alive': 'timeout=5' });
      res.write('part one;');
      res.addTrailers({ 'x-checksum': 'abc123' });
      res.end('part two');
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ url, headers: req.headers, bytes, sha256: hash.digest('hex') }));
    });
  });
  gw = await startTlsGateway(`
version: 1
listeners:
  - name: secure
    address: 127.0.0.1:0
    tls: { certificates: local-ca }
    http2: true
policies:
  secure-headers: { type: headers, securityHeaders: true }
  office-only: { type: ip-filter, allow: [10.0.0.0/8] }
upstreams:
  app:
    targets: [{ url: ${echo.url} }]
routes:
  - { name: pong, match: { path: /ping, exact: true }, respond: { status: 200, body: pong }, policies: [secure-headers] }
  - { name: admin, match: { path: /admin }, policies: [office-only], upstream: app }
  - { name: all, match: { path: / }, upstream: app }
`);
  origin = `https://localhost:${gw.portOf('secure')}`;
  ca = await readFile((await gw.engine.certificates.localCa()).certPath, 'utf8');
});
afterAll(async () => {
  await gw?.stop();
  await echo?.close();
});

interface H2Response {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders | null;
}

function h2request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    const chunks: Buffer[] = [];
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | null = null;
    stream.on('response', (h) => (responseHeaders = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, body: Buffer.concat(chunks), trailers }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

function connect(): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin, { ca });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

describe('HTTP/2 client connections', () => {
  it('multiplexes concurrent streams on one connection', async () => {
    const session = await connect();
    maxInflight = 0;
    const results = await Promise.all(Array.from({ length: 20 }, () => h2request(session, { ':path': '/slow' })));
    expect(results.every((r) => r.status === 200 && r.body.toString() === 'slow')).toBe(true);
    // Served side by side, not one after the other.
    expect(maxInflight).toBeGreaterThan(1);
    session.close();
  });

  it('streams a large upload without Content-Length and a large download', async () => {
    const session = await connect();
    const up = await h2request(session, { ':path': '/upload', ':method': 'POST' }, bigBody);
    expect(up.status).toBe(200);
    const seen = JSON.parse(up.body.toString());
    expect(seen.bytes).toBe(BIG);
    expect(seen.sha256).toBe(createHash('sha256').update(bigBody).digest('hex'));
    expect(seen.headers.host).toBe(`localhost:${gw.portOf('secure')}`);
    expect(Object.keys(seen.headers).filter((h) => h.startsWith(':'))).toEqual([]);

    const down = await h2request(session, { ':path': '/big' });
    expect(down.status).toBe(200);
    expect(down.body.length).toBe(BIG);
    expect(down.body.equals(bigBody)).toBe(true);
    session.close();
  });

  it('answers an upstream that repeats a single-value field (first value, or a joined list) instead of resetting the stream', async () => {
    const session = await connect();
    try {
      for (let i = 0; i < 3; i++) {
        const r = await h2request(session, { ':path': '/repeated' });
        expect(r.status).toBe(200);
        expect(r.body.toString()).toBe('hello');
        expect(r.headers).toMatchObject({ expires: '0', 'content-type': 'text/plain', 'content-language': 'en, de', 'set-cookie': ['a=1', 'b=2'] });
      }
    } finally {
      session.close();
    }
    // Not a failure of the target.
    expect(gw.engine.upstreamStatus().app[0]).toMatchObject({ failures: 0 });
  });

  it('passes trailers to HTTP/2 clients and drops connection-specific headers', async () => {
    const session = await connect();
    const r = await h2request(session, { ':path': '/trailers', te: 'trailers' });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('part one;part two');
    expect(r.trailers?.['x-checksum']).toBe('abc123');
    for (const h of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']) expect(r.headers[h]).toBeUndefined();
    session.close();
  });

  it('forwards te only as "trailers" (the one value HTTP/2 allows), so upstreams know trailers reach the client', async () => {
    const session = await connect();
    const r = await h2request(session, { ':path': '/echo', te: 'trailers' });
    expect(JSON.parse(r.body.toString()).headers.te).toBe('trailers');
    expect(JSON.parse((await h2request(session, { ':path': '/echo' })).body.toString()).headers.te).toBeUndefined();
    session.close();
  });
});

describe('same routes and policies as HTTP/1.1', () => {
  for (const allowH2 of [true, false]) {
    const label = allowH2 ? 'HTTP/2' : 'HTTP/1.1';
    it(`${label}: fixed responses with response policies, and a request policy refusing`, async () => {
      const dispatcher = new Agent({ connect: { ca }, allowH2 });
      const pong = await request(`${origin}/ping`, { dispatcher });
      expect(pong.statusCode).toBe(200);
      expect(await pong.body.text()).toBe('pong');
      expect(pong.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(pong.headers['x-content-type-options']).toBe('nosniff');
      const admin = await request(`${origin}/admin/x`, { dispatcher });
      expect(admin.statusCode).toBe(403);
      expect(admin.headers['content-type']).toBe('application/problem+json');
      await admin.body.text();
      const other = await request(`${origin}/anything`, { dispatcher });
      expect(other.statusCode).toBe(200);
      await other.body.text();
      await dispatcher.close();
    });
  }

  it('HTTP/1.1 clients receive trailers on chunked responses too', async () => {
    const dispatcher = new Agent({ connect: { ca } });
    const r = await request(`${origin}/trailers`, { dispatcher });
    expect(await r.body.text()).toBe('part one;part two');
    expect(r.trailers['x-checksum']).toBe('abc123');
    await dispatcher.close();
  });
});
