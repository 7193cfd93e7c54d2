/**
 * HTTP semantics of the reverse proxy (RFC 9110 / 9112 / 9113), probed with
 * exact bytes on both sides: a raw client and a scripted raw upstream that
 * records every request head it receives.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http2 from 'node:http2';
import tls from 'node:tls';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeResponses, parseResponses, rawRequest } from '../helpers/gateway.js';
import { run, startTlsGateway, type TlsGateway } from '../tls/rig.js';
import { openRaw } from './conformance-rig/raw-client.js';
import { headerOf, startScriptedUpstream, type ScriptedUpstream, type SeenRequest } from './conformance-rig/scripted-upstream.js';

let up: ScriptedUpstream;
let gw: TlsGateway;
let port: number;
let h2origin: string;
let ca: string;

const GZ = gzipSync('hello world');
const ok = (extra = '') => `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${extra}\r\nok`;

beforeAll(async () => {
  up = await startScriptedUpstream({
    '/early-hints': { bytes: 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n' + ok() },
    '/close-delimited': { bytes: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end', close: true },
    '/no-content-framed': { bytes: 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nX-Kind: nc\r\n\r\n' },
    '/not-modified-body': { bytes: 'HTTP/1.1 304 Not Modified\r\nETag: "a"\r\n\r\nLEAKED-BODY' },
    '/head-length': { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: text/plain\r\n\r\n' },
    '/response-hops': {
      bytes:
        'HTTP/1.1 200 OK\r\nConnection: X-Foo, x-bar\r\nConnection: keep-alive\r\nX-Foo: 1\r\nX-Bar: 2\r\nKeep-Alive: timeout=77\r\nProxy-Connection: keep-alive\r\nX-Kept: yes\r\nContent-Length: 2\r\n\r\nok',
    },
    '/trailers-if-asked': (req, socket) => {
      const asked = /trailers/i.test(headerOf(req, 'te') ?? '');
      socket.write(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Digest\r\n\r\n5\r\nhello\r\n0\r\n' + (asked ? 'X-Digest: abc\r\n' : '') + '\r\n',
      );
    },
    '/slow': (req, socket) => {
      const body = JSON.stringify({ head: req.head, bodyLength: 0 });
      setTimeout(() => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`), 150);
    },
    '/te-gzip': { bytes: `HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n${GZ.length.toString(16)}\r\n${GZ.toString('latin1')}\r\n0\r\n\r\n` },
    '/expect-417': { bytes: 'HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', close: true },
  });
  gw = await startTlsGateway(`
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0" }
  - { name: small, address: "127.0.0.1:0", limits: { maxBodySize: 1KB } }
  - name: secure
    address: 127.0.0.1:0
    tls: { certificates: local-ca }
    http2: true
upstreams:
  up: { targets: [{ url: "${up.url}" }], timeouts: { response: 5s, idle: 5s } }
routes:
  - { name: fixed, match: { path: /fixed, exact: true }, respond: { status: 200, body: fixed } }
  - { name: all, match: { path: / }, upstream: up }
`);
  port = gw.portOf('web');
  h2origin = `https://localhost:${gw.portOf('secure')}`;
  ca = await readFile((await gw.engine.certificates.localCa()).certPath, 'utf8');
});

afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

/** One request on a fresh connection (closed after the answer). */
async function exchange(bytes: string | Buffer | (string | Buffer)[], methods: string[] = []) {
  const r = await rawRequest(port, bytes, { timeoutMs: 3000, until: completeResponses(1, methods) });
  return { raw: r, res: r.status === 0 ? null : parseResponses(r.data, methods)[0] };
}

function lastSeen(path: string): SeenRequest {
  const all = up.seenAt(path);
  expect(all.length, `requests seen at ${path}`).toBeGreaterThan(0);
  return all[all.length - 1];
}

describe('connection-specific headers (RFC 9110 §7.6.1)', () => {
  it('the request loses whatever Connection names, however spelled, plus Keep-Alive, TE, Upgrade, Proxy-Connection', async () => {
    const { res } = await exchange(
      'GET /req-hops HTTP/1.1\r\nHost: x\r\nConnection: Foo ,bar\r\nConnection:keep-alive\r\nFoo: 1\r\nBAR: 2\r\nKeep-Alive: 300\r\nTE: gzip\r\nUpgrade: websocket\r\nProxy-Connection: keep-alive\r\nX-Kept: yes\r\n\r\n',
    );
    expect(res?.status).toBe(200);
    const seen = lastSeen('/req-hops');
    for (const name of ['foo', 'bar', 'keep-alive', 'te', 'upgrade', 'proxy-connection']) expect(headerOf(seen, name), name).toBeUndefined();
    expect(headerOf(seen, 'x-kept')).toBe('yes');
  });

  it('the response loses whatever Connection names, plus Keep-Alive and Proxy-Connection', async () => {
    const { res } = await exchange('GET /response-hops HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(res?.status).toBe(200);
    expect(res?.headers['x-foo']).toBeUndefined();
    expect(res?.headers['x-bar']).toBeUndefined();
    expect(res?.headers['proxy-connection']).toBeUndefined();
    expect(res?.headers['keep-alive'] ?? '').not.toContain('77');
    expect(res?.headers['x-kept']).toBe('yes');
  });
});

describe('Expect: 100-continue', () => {
  it('the client gets 100 Continue, then the upstream gets the whole body (and no Expect)', async () => {
    const body = Buffer.alloc(1024 * 1024, 0x61);
    const c = await openRaw(port);
    c.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
    const interim = await c.waitFor((d) => d.includes('\r\n\r\n'));
    expect(interim.toString('latin1')).toMatch(/^HTTP\/1\.1 100 Continue\r\n/);
    c.write(body);
    const all = await c.waitFor((d) => completeResponses(2, ['POST', 'POST'])(d) || /"bodyLength":\d+\}$/.test(d.toString('latin1')));
    c.destroy();
    const text = all.toString('latin1');
    const final = parseResponses(Buffer.from(text.slice(text.indexOf('\r\n\r\n') + 4), 'latin1'))[0];
    expect(final.status).toBe(200);
    expect(JSON.parse(final.body.toString()).bodyLength).toBe(body.length);
    expect(headerOf(lastSeen('/upload'), 'expect')).toBeUndefined();
  });

  it('a body the gateway refuses (413 over maxBodySize) is never asked for: the final status instead of 100, then close', async () => {
    const c = await openRaw(gw.portOf('small'));
    c.write('POST /too-big HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n');
    const got = await c.waitFor(completeResponses(1));
    expect(got.toString('latin1')).toMatch(/^HTTP\/1\.1 413 /);
    expect(await c.closed()).toBe(true);
    expect(up.seenAt('/too-big')).toEqual([]);
  });

  it('a fixed route answers at once, without 100 Continue', async () => {
    const c = await openRaw(port);
    c.write('POST /fixed HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    const got = await c.waitFor(completeResponses(1));
    c.destroy();
    const [res] = parseResponses(got);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('fixed');
  });

  it('curl uploading 2 MB (it sends Expect: 100-continue) gets through, and is refused fast on a small listener', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sy-expect-'));
    try {
      const file = join(dir, 'body.bin');
      await writeFile(file, Buffer.alloc(2 * 1024 * 1024, 0x63));
      const args = (p: number, path: string) => ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--data-binary', `@${file}`, `http://127.0.0.1:${p}${path}`];
      expect((await run('curl', args(port, '/curl-upload'), { timeout: 10_000 })).stdout).toBe('200');
      expect(lastSeen('/curl-upload').body.length).toBe(2 * 1024 * 1024);
      expect((await run('curl', args(gw.portOf('small'), '/curl-refused'), { timeout: 10_000 })).stdout).toBe('413');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('HTTP/2: 100 Continue, then the body reaches the upstream', async () => {
    const session = http2.connect(h2origin, { ca });
    try {
      const statuses = await new Promise<string[]>((resolve, reject) => {
        const seen: string[] = [];
        const stream = session.request({ ':path': '/h2-expect', ':method': 'POST', expect: '100-continue' }, { endStream: false });
        stream.on('continue', () => {
          seen.push('100');
          stream.end('hello');
        });
        stream.on('response', (h) => seen.push(String(h[':status'])));
        stream.resume();
        stream.on('end', () => resolve(seen));
        stream.on('error', reject);
      });
      expect(statuses).toEqual(['100', '200']);
      expect(lastSeen('/h2-expect').body.toString()).toBe('hello');
    } finally {
      session.close();
    }
  });

  it('an upstream that refuses (417) without reading: the client gets that answer', async () => {
    const body = Buffer.alloc(256 * 1024, 0x62);
    const c = await openRaw(port);
    c.write(`PUT /expect-417 HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
    await c.waitFor((d) => d.includes('\r\n\r\n'));
    c.write(body);
    const all = await c.waitFor((d) => / 417 /.test(d.toString('latin1')) && d.toString('latin1').endsWith('\r\n\r\n'));
    c.destroy();
    expect(all.toString('latin1')).toContain('HTTP/1.1 417 ');
  });
});

describe('1xx informational responses', () => {
  it('103 Early Hints from the upstream reach an HTTP/1.1 client before the final response', async () => {
    const { raw } = await exchange('GET /early-hints HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = raw.text;
    expect(text).toMatch(/^HTTP\/1\.1 103 Early Hints\r\n/);
    expect(text.slice(0, text.indexOf('\r\n\r\n'))).toMatch(/\r\nlink: <\/style\.css>; rel=preload/i);
    const final = parseResponses(Buffer.from(text.slice(text.indexOf('\r\n\r\n') + 4), 'latin1'))[0];
    expect(final.status).toBe(200);
    expect(final.body.toString()).toBe('ok');
  });

  it('… and an HTTP/2 client', async () => {
    const session = http2.connect(h2origin, { ca });
    try {
      const statuses = await new Promise<string[]>((resolve, reject) => {
        const seen: string[] = [];
        const stream = session.request({ ':path': '/early-hints' });
        stream.on('headers', (h) => seen.push(`${h[':status']} ${h.link}`));
        stream.on('response', (h) => seen.push(String(h[':status'])));
        stream.resume();
        stream.on('end', () => resolve(seen));
        stream.on('error', reject);
      });
      expect(statuses).toEqual(['103 </style.css>; rel=preload', '200']);
    } finally {
      session.close();
    }
  });

  it('an HTTP/1.0 client never sees a 1xx', async () => {
    const r = await rawRequest(port, 'GET /early-hints HTTP/1.0\r\nHost: x\r\n\r\n', { timeoutMs: 3000 });
    expect(r.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(r.text).not.toContain('103');
  });
});

describe('trailers', () => {
  it('TE: trailers travels upstream, and the trailers reach an HTTP/1.1 client', async () => {
    const { raw } = await exchange('GET /trailers-if-asked HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n');
    expect(headerOf(lastSeen('/trailers-if-asked'), 'te')).toBe('trailers');
    expect(raw.text).toMatch(/\r\n0\r\nx-digest: abc\r\n\r\n$/i);
  });

  it('… and an HTTP/2 client', async () => {
    const session = http2.connect(h2origin, { ca });
    try {
      const { trailers, body } = await new Promise<{ trailers: http2.IncomingHttpHeaders | null; body: string }>((resolve, reject) => {
        const stream = session.request({ ':path': '/trailers-if-asked', te: 'trailers' });
        let trailers: http2.IncomingHttpHeaders | null = null;
        let body = '';
        stream.on('trailers', (t) => (trailers = t));
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => (body += c));
        stream.on('end', () => resolve({ trailers, body }));
        stream.on('error', reject);
      });
      expect(body).toBe('hello');
      expect(trailers?.['x-digest']).toBe('abc');
    } finally {
      session.close();
    }
  });

  it('a TE without "trailers" is not passed on', async () => {
    await exchange('GET /trailers-if-asked HTTP/1.1\r\nHost: x\r\nTE: gzip, deflate\r\nConnection: close\r\n\r\n');
    expect(headerOf(lastSeen('/trailers-if-asked'), 'te')).toBeUndefined();
  });
});

describe('bodiless responses', () => {
  it('HEAD keeps the upstream Content-Length and carries no body', async () => {
    const r = await rawRequest(port, ['HEAD /head-length HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /fixed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], {
      timeoutMs: 3000,
      gapMs: 100,
    });
    const [head, next] = parseResponses(r.data, ['HEAD', 'GET']);
    expect(head.headers['content-length']).toBe('1234');
    expect(head.body.length).toBe(0);
    expect(next.body.toString()).toBe('fixed');
  });

  it('204 carries neither Content-Length nor Transfer-Encoding', async () => {
    const { res, raw } = await exchange('GET /no-content-framed HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(res?.status).toBe(204);
    expect(res?.headers['x-kind']).toBe('nc');
    expect(raw.text).not.toMatch(/content-length|transfer-encoding/i);
  });

  it('a body the upstream sends on a 304 is not passed on, and does not poison the next request', async () => {
    const r = await rawRequest(
      port,
      ['GET /not-modified-body HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /after-304 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      { timeoutMs: 3000, gapMs: 200 },
    );
    expect(r.text).not.toContain('LEAKED');
    const [nm, after] = parseResponses(r.data);
    expect(nm.status).toBe(304);
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body.toString()).head).toMatch(/^GET \/after-304 /);
  });
});

describe('upstream transfer codings', () => {
  it('a response with a transfer coding besides chunked → 502, not gzip bytes passed off as the body', async () => {
    const { res } = await exchange('GET /te-gzip HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(res?.status).toBe(502);
    expect(JSON.parse(res!.body.toString())).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });
});

describe('close-delimited upstream responses', () => {
  it('are re-framed as chunked for an HTTP/1.1 client, which can go on using the connection', async () => {
    const r = await rawRequest(port, ['GET /close-delimited HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /fixed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], {
      timeoutMs: 3000,
      gapMs: 100,
    });
    const [first, second] = parseResponses(r.data);
    expect(first.headers['transfer-encoding']).toBe('chunked');
    expect(first.body.toString()).toBe('until the end');
    expect(second.body.toString()).toBe('fixed');
  });

  it('end with the connection for an HTTP/1.0 client, even one asking for keep-alive', async () => {
    const r = await rawRequest(port, 'GET /close-delimited HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n', { timeoutMs: 3000 });
    expect(r.closedByPeer).toBe(true);
    const [res] = parseResponses(r.data);
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(res.headers.connection).toBe('close');
    expect(res.body.toString()).toBe('until the end');
  });

  it('end with the connection for an HTTP/1.0 client', async () => {
    const r = await rawRequest(port, 'GET /close-delimited HTTP/1.0\r\nHost: x\r\n\r\n', { timeoutMs: 3000 });
    expect(r.closedByPeer).toBe(true);
    const [res] = parseResponses(r.data);
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(res.body.toString()).toBe('until the end');
  });
});

describe('HTTP/1.0 clients and pipelining', () => {
  it('HTTP/1.0 without keep-alive: one response, then the gateway closes', async () => {
    const r = await rawRequest(port, 'GET /ten HTTP/1.0\r\nHost: x\r\n\r\n', { timeoutMs: 3000 });
    expect(r.closedByPeer).toBe(true);
    const [res] = parseResponses(r.data);
    expect(res.status).toBe(200);
    expect(res.headers.connection).toBe('close');
  });

  it('HTTP/1.0 with keep-alive: the connection serves a second request', async () => {
    const c = await openRaw(port);
    c.write('GET /ten-ka HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await c.waitFor(completeResponses(1));
    expect(c.received.toString('latin1').toLowerCase()).toContain('connection: keep-alive');
    c.write('GET /fixed HTTP/1.0\r\nHost: x\r\n\r\n');
    expect(await c.closed()).toBe(true);
    const responses = parseResponses(c.received);
    expect(responses.map((x) => x.status)).toEqual([200, 200]);
    expect(responses[1].body.toString()).toBe('fixed');
  });

  it('pipelined requests are answered in order', async () => {
    // The first answer is the slowest: the later ones wait for it.
    const paths = ['/slow', '/fixed', '/p3', '/p4'];
    const bytes = paths.map((p, i) => `GET ${p} HTTP/1.1\r\nHost: x\r\n${i === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join('');
    const r = await rawRequest(port, bytes, { timeoutMs: 3000 });
    const responses = parseResponses(r.data);
    expect(responses.map((x) => (x.body.toString() === 'fixed' ? '/fixed' : (JSON.parse(x.body.toString()) as { head: string }).head.split(' ')[1]))).toEqual(
      paths,
    );
  });
});

describe('request targets and Host (RFC 9112 §3.2)', () => {
  it('absolute form: the target authority replaces Host upstream', async () => {
    const { res } = await exchange('GET http://api.example.test:8080/abs?q=1 HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n');
    expect(res?.status).toBe(200);
    const seen = lastSeen('/abs');
    expect(seen.target).toBe('/abs?q=1');
    expect(headerOf(seen, 'host')).toBe('api.example.test:8080');
    expect(headerOf(seen, 'x-forwarded-host')).toBe('api.example.test:8080');
  });

  it('a fragment in the target → 400, never forwarded (it would slip past a route for the path)', async () => {
    const { res } = await exchange('GET /admin#x HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(res?.status).toBe(400);
    expect(up.seenAt('/admin#x')).toEqual([]);
  });

  it('HTTP/1.0 may leave Host out; HTTP/1.1 may not send it empty', async () => {
    expect((await exchange('GET /no-host HTTP/1.0\r\n\r\n')).res?.status).toBe(200);
    // No host to preserve: the upstream gets the target's authority as Host, and no empty forwarded host.
    const seen = lastSeen('/no-host');
    expect(headerOf(seen, 'host')).toBe(new URL(up.url).host);
    expect(headerOf(seen, 'x-forwarded-host')).toBeUndefined();
    expect(headerOf(seen, 'forwarded')).toBe('for=127.0.0.1;proto=http');
    expect((await exchange('GET /empty-host HTTP/1.1\r\nHost:\r\n\r\n')).res?.status).toBe(400);
    expect(up.seenAt('/empty-host')).toEqual([]);
  });

  for (const host of ['a b.test', 'evil.test/path', 'user@evil.test', 'a.test:80:80', 'a.test:x', ':80', ':']) {
    it(`an invalid Host "${host}" → 400, never forwarded`, async () => {
      const before = up.seen.length;
      const { res } = await exchange(`GET /bad-host HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      expect(res?.status).toBe(400);
      expect(up.seen.length).toBe(before);
    });
  }

  for (const [name, bytes] of [
    ['an "HTTP/2.0" request line', 'GET /version HTTP/2.0\r\nHost: x\r\n\r\n'],
    ['an HTTP/0.9 request line', 'GET /version\r\n\r\n'],
  ]) {
    it(`${name} on an HTTP/1 connection → 505 and close, never forwarded`, async () => {
      const r = await rawRequest(port, bytes, { timeoutMs: 2000 });
      expect(r.status).toBe(505);
      expect(r.text).toContain('application/problem+json');
      expect(r.closedByPeer).toBe(true);
      expect(up.seenAt('/version')).toEqual([]);
    });
  }

  it('an Expect other than 100-continue → 417 problem (not node\'s bare 417), never forwarded; the connection keeps serving', async () => {
    const r = await rawRequest(
      port,
      'GET /expect HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nX-Request-Id: expect-1\r\n\r\nGET /after-expect HTTP/1.1\r\nHost: x\r\n\r\n',
      { timeoutMs: 3000, until: completeResponses(2) },
    );
    const [refused, next] = parseResponses(r.data);
    expect(refused.status).toBe(417);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(refused.body.toString())).toMatchObject({ status: 417, code: 'EXPECTATION_FAILED', requestId: 'expect-1' });
    expect(next.status).toBe(200);
    expect(up.seenAt('/expect')).toEqual([]);
    // 100-continue, in any case, is still the expectation the gateway meets.
    const { res } = await exchange('POST /expect-ok HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nhi');
    expect(res?.status).toBe(200);
  });

  it('CONNECT on a reverse listener → 405 problem, not a silent close', async () => {
    const r = await rawRequest(port, 'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n', { timeoutMs: 2000 });
    expect(r.status).toBe(405);
    expect(r.text).toContain('application/problem+json');
    expect(r.closedByPeer).toBe(true);
  });

  it('too many header fields → 431', async () => {
    const fields = Array.from({ length: 150 }, (_, i) => `X-F${i}: ${i}\r\n`).join('');
    const { res } = await exchange(`GET /many HTTP/1.1\r\nHost: x\r\n${fields}\r\n`);
    expect(res?.status).toBe(431);
    expect(up.seenAt('/many')).toEqual([]);
  });
});

describe('request smuggling: refused with 400 and closed, nothing forwarded', () => {
  const CASES: [string, string][] = [
    ['chunked, identity', 'POST /smug HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'],
    ['identity alone', 'POST /smug HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello'],
    ['chunked twice', 'POST /smug HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['TE with a vertical tab', 'POST /smug HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n'],
    ['chunk size overflow', 'POST /smug HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nhello\r\n0\r\n\r\n'],
    ['chunk size with 0x', 'POST /smug HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n'],
    ['chunk data not followed by CRLF', 'POST /smug HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhelloGET /x HTTP/1.1\r\n\r\n0\r\n\r\n'],
    ['bare LF in chunk framing', 'POST /smug HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n'],
    ['Content-Length with a plus', 'POST /smug HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello'],
    ['bare CR in a header', 'GET /smug HTTP/1.1\r\nHost: x\r\nX-A: 1\rX-B: 2\r\n\r\n'],
    ['HTTP/1.0 with Transfer-Encoding', 'POST /smug HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
  ];
  for (const [name, bytes] of CASES) {
    it(name, async () => {
      const r = await rawRequest(port, bytes, { timeoutMs: 2000 });
      expect(r.closedByPeer).toBe(true);
      if (r.status !== 0) expect(r.status).toBe(400);
      expect(up.seenAt('/smug')).toEqual([]);
      expect(up.seenAt('/x')).toEqual([]);
    });
  }
});

describe('upgrades', () => {
  const H2C = 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n';

  it('an h2c upgrade is never offered to the upstream (it would bypass routing): served as a plain request', async () => {
    const { res } = await exchange(`GET /h2c HTTP/1.1\r\nHost: x\r\n${H2C}\r\n`);
    expect(res?.status).toBe(200);
    const seen = lastSeen('/h2c');
    expect(headerOf(seen, 'upgrade')).toBeUndefined();
    expect(headerOf(seen, 'http2-settings')).toBeUndefined();
  });

  it('an h2c upgrade with a body (chunked too) is served, and the connection goes on serving pipelined requests', async () => {
    const r = await rawRequest(
      port,
      [`POST /h2c-body HTTP/1.1\r\nHost: x\r\n${H2C}Transfer-Encoding: chunked\r\n\r\n3\r\nhel`, '\r\n2\r\nlo\r\n0\r\n\r\nGET /fixed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      { timeoutMs: 3000, gapMs: 50 },
    );
    const [first, second] = parseResponses(r.data);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body.toString()).bodyLength).toBe(5);
    expect(lastSeen('/h2c-body').body.toString()).toBe('hello');
    expect(second.body.toString()).toBe('fixed');
  });

  it('any upgrade with a body is served as a plain request (the upgrade path would never send the body)', async () => {
    const { res } = await exchange('POST /upgrade-body HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: foo/1\r\nContent-Length: 5\r\n\r\nhello');
    expect(res?.status).toBe(200);
    const seen = lastSeen('/upgrade-body');
    expect(seen.body.toString()).toBe('hello');
    expect(headerOf(seen, 'upgrade')).toBeUndefined();
  });

  it('an upgrade in an HTTP/1.0 request is ignored (RFC 9110 §7.8): served as a plain request, no 101', async () => {
    const { res } = await exchange(
      'GET /upgrade-ten HTTP/1.0\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(res?.status).toBe(200);
    const seen = lastSeen('/upgrade-ten');
    expect(headerOf(seen, 'upgrade')).toBeUndefined();
    expect(headerOf(seen, 'connection')?.toLowerCase()).not.toContain('upgrade');
  });

  it('curl --http2 -d on plain HTTP gets its answer and the upstream its body', async () => {
    const { stdout } = await run('curl', ['-s', '--http2', '-d', 'hello', '-o', '-', '-w', '\n%{http_code}', `http://127.0.0.1:${port}/h2c-curl`], { timeout: 10_000 });
    expect(stdout.trim().split('\n').pop()).toBe('200');
    const seen = lastSeen('/h2c-curl');
    expect(seen.body.toString()).toBe('hello');
    expect(headerOf(seen, 'upgrade')).toBeUndefined();
  });

  it('an h2c upgrade over TLS (HTTP/1.1 by ALPN) is served as a plain request too', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port: gw.portOf('secure'), servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] });
    const data = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      socket.on('secureConnect', () => socket.write(`GET /h2c-tls HTTP/1.1\r\nHost: localhost\r\n${H2C}\r\nGET /fixed HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
    });
    const [first, second] = parseResponses(data);
    expect(first.status).toBe(200);
    expect(headerOf(lastSeen('/h2c-tls'), 'upgrade')).toBeUndefined();
    expect(second.body.toString()).toBe('fixed');
  });
});

describe('HTTP/2 clients', () => {
  it('a Host that differs from :authority is refused', async () => {
    const session = http2.connect(h2origin, { ca });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':path': '/h2-host', ':authority': 'localhost', host: 'other.test' });
        stream.on('response', (h) => resolve(Number(h[':status'])));
        stream.on('error', reject);
        stream.resume();
      });
      expect(status).toBe(400);
      expect(up.seenAt('/h2-host')).toEqual([]);
    } finally {
      session.close();
    }
  });

  it('split cookie crumbs reach an HTTP/1.1 upstream as one Cookie field (RFC 9113 §8.2.3)', async () => {
    const session = http2.connect(h2origin, { ca });
    try {
      await new Promise<void>((resolve, reject) => {
        const stream = session.request({ ':path': '/h2-cookie', cookie: ['a=1', 'b=2', 'c=3'] });
        stream.resume();
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
      const seen = lastSeen('/h2-cookie');
      expect(seen.headers.filter(([n]) => n.toLowerCase() === 'cookie').map(([, v]) => v)).toEqual(['a=1; b=2; c=3']);
    } finally {
      session.close();
    }
  });

  it('a :path the HTTP/1.1 request line cannot carry never reaches the upstream', async () => {
    const session = http2.connect(h2origin, { ca });
    session.on('error', () => undefined);
    try {
      for (const path of ['/h2-sp ace', '/h2-frag#x']) {
        const status = await new Promise<number>((resolve) => {
          const stream = session.request({ ':path': path });
          stream.on('response', (h) => resolve(Number(h[':status'])));
          stream.on('error', () => resolve(-1));
          stream.resume();
        });
        expect(status === -1 || (status >= 400 && status < 500), `${path}: ${status}`).toBe(true);
      }
      expect(up.seen.filter((r) => r.target.startsWith('/h2-sp') || r.target.startsWith('/h2-frag'))).toEqual([]);
    } finally {
      session.close();
    }
  });

  it('a body longer than its content-length never reaches the upstream whole', async () => {
    const session = http2.connect(h2origin, { ca });
    try {
      const status = await new Promise<number>((resolve) => {
        const stream = session.request({ ':path': '/h2-cl', ':method': 'POST', 'content-length': '5' });
        stream.on('response', (h) => resolve(Number(h[':status'])));
        stream.on('error', () => resolve(-1));
        stream.resume();
        stream.end('helloGET /x HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      expect(status === -1 || status >= 400).toBe(true);
      expect(up.seenAt('/x')).toEqual([]);
    } finally {
      session.close();
    }
  });
});
