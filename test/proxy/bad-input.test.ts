/**
 * Hostile or broken peers. Malformed client requests get 400/431 (or a clean
 * close) and never reach an upstream; misbehaving upstreams get a 502 or, once
 * the response has started, a visibly truncated response. Either way the
 * gateway goes on serving.
 */
import net from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeResponses, parseResponses, rawRequest, startGateway, type Gateway } from '../helpers/gateway.js';
import { startEchoUpstream, startRawServer, type EchoUpstream } from '../helpers/upstreams.js';

/** Raw upstream behaviours: each reads the request head, then misbehaves. */
const UPSTREAMS: Record<string, (s: net.Socket) => void> = {
  'reset-mid-body': (s) =>
    s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n' + 'a'.repeat(1000));
      setTimeout(() => s.resetAndDestroy(), 50);
    }),
  'reset-mid-chunked': (s) =>
    s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n' + 'a'.repeat(1000) + '\r\n');
      setTimeout(() => s.resetAndDestroy(), 50);
    }),
  'short-body': (s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello')),
  garbage: (s) => s.once('data', () => s.end('SSH-2.0-OpenSSH_9.6\r\n\r\n')),
  'garbage-open': (s) => s.once('data', () => s.write('\x00\x01\x02 not http at all\r\n\r\n')),
  'bad-status': (s) => s.once('data', () => s.end('HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok')),
  'status-999': (s) => s.once('data', () => s.end('HTTP/1.1 999 Weird\r\nContent-Length: 2\r\n\r\nok')),
  // RFC 9110 §15.2 says a client must parse it; undici refuses it, which makes the response unusable.
  'unasked-continue': (s) => s.once('data', () => s.end('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')),
  // RFC 9112 §6.3: a 204 ends at its header section, whatever Content-Length says.
  'no-content-with-length': (s) => s.on('data', () => s.write('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n')),
  'close-silently': (s) => s.once('data', () => s.end()),
  'reset-silently': (s) => s.once('data', () => s.resetAndDestroy()),
  'invalid-length': (s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\nhello')),
  'two-lengths': (s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!')),
  'length-and-chunked': (s) =>
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')),
  'huge-header': (s) => s.once('data', () => s.end(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(100_000)}\r\nContent-Length: 2\r\n\r\nok`)),
  // A reason phrase node will not write (a DEL): the answer is relayed with the standard one.
  'odd-reason': (s) => s.once('data', () => s.end('HTTP/1.1 200 O\x7fK\r\nContent-Length: 2\r\n\r\nok')),
  // Answers at once without reading the upload, then hangs up.
  'early-answer': (s) => s.once('data', () => s.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope')),
};

let gw: Gateway;
let echo: EchoUpstream;
const raws: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  echo = await startEchoUpstream();
  const urls: Record<string, string> = {};
  for (const [name, behave] of Object.entries(UPSTREAMS)) {
    const up = await startRawServer((s) => {
      s.on('error', () => undefined);
      behave(s);
    });
    raws.push(up);
    urls[name] = up.url;
  }
  gw = await startGateway(`
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0", limits: { maxHeaderSize: 4KB } }
routes:
${Object.keys(urls).map((n) => `  - { name: ${n}, match: { path: /${n} }, upstream: ${n} }`).join('\n')}
  - { name: echo, match: { path: / }, upstream: echo }
upstreams:
${Object.entries(urls).map(([n, u]) => `  ${n}: { targets: [{ url: "${u}" }], timeouts: { response: 5s, idle: 5s } }`).join('\n')}
  echo: { targets: [{ url: "${echo.url}" }] }
`);
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await Promise.all(raws.map((r) => r.close()));
});

/** A normal request on a new connection still works. */
async function stillServing(): Promise<void> {
  const res = await request(`${gw.url}/healthy?after=1`, { headersTimeout: 3000 });
  expect(res.statusCode).toBe(200);
  expect(((await res.body.json()) as { url: string }).url).toBe('/healthy?after=1');
}

describe('malformed requests', () => {
  const CASES: [name: string, bytes: string, status: number][] = [
    ['garbage request line', 'GARBAGE\r\n\r\n', 400],
    ['invalid method', 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['space in the target', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['unknown HTTP version', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', 400],
    ['bare LF line endings', 'GET / HTTP/1.1\nHost: x\n\n', 400],
    ['control byte in a header name', 'GET / HTTP/1.1\r\nHost: x\r\nX-Bad\x01: v\r\n\r\n', 400],
    ['space in a header name', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n', 400],
    ['NUL in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX-V: a\x00b\r\n\r\n', 400],
    ['obsolete line folding', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n', 400],
    ['space before the colon', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello', 400],
    [
      'Content-Length with Transfer-Encoding (smuggling)',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
      400,
    ],
    [
      'Transfer-Encoding with Content-Length (smuggling)',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
      400,
    ],
    ['two different Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', 400],
    ['a Content-Length list', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!', 400],
    ['a non-numeric Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400],
    ['a negative Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 400],
    ['an unknown Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n', 400],
    ['chunked not last', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n', 400],
    // Another coding before chunked: the body cannot be decoded here, and forwarding it re-chunked would drop the coding.
    ['a coding before chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 501],
    ['a coding before chunked, in two fields', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 501],
    ['a bad chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', 400],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n', 400],
    ['oversized headers', `GET / HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ];

  for (const [name, bytes, status] of CASES) {
    it(`${name} → ${status}, never forwarded`, async () => {
      const before = echo.requests.length;
      const r = await rawRequest(gw.port, bytes, { timeoutMs: 3000, until: completeResponses(1) });
      // Either the right status, or (never silently) a closed connection.
      if (r.status === 0) expect(r.closedByPeer).toBe(true);
      else {
        expect(r.status).toBe(status);
        expect(r.text).toContain('application/problem+json');
      }
      expect(echo.requests.slice(before).map((x) => x.url)).toEqual([]);
      await stillServing();
    });
  }

  it('a client that keeps its side open after the 400 is let go of', async () => {
    const socket = net.connect({ port: gw.port, host: '127.0.0.1', allowHalfOpen: true });
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (answer += c));
    socket.on('error', () => undefined);
    socket.write('GARBAGE\r\n\r\n');
    await new Promise((r) => socket.once('end', r));
    // The client never ends its side. Once the gateway has let go of the connection, bytes sent
    // on it meet a reset (which the next write reports); while it holds it half-open, they are taken silently.
    await new Promise((r) => setTimeout(r, 2000));
    const closed = new Promise<boolean>((resolve) => {
      socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 3000);
    });
    socket.write('more\r\n');
    setTimeout(() => socket.write('more\r\n'), 300);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(await closed).toBe(true);
    socket.destroy();
});
});

describe('misbehaving upstreams', () => {
  async function get(path: string, init: Parameters<typeof request>[1] = {}) {
    const res = await request(`${gw.url}${path}`, { headersTimeout: 8000, bodyTimeout: 8000, ...init });
    let body: string | Error;
    try {
      body = await res.body.text();
    } catch (e) {
      body = e as Error;
    }
    return { status: res.statusCode, headers: res.headers, body };
  }

  it('a reset mid-body reaches the client as an aborted response, not a clean one', async () => {
    for (const path of ['/reset-mid-body', '/reset-mid-chunked', '/short-body']) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.body, path).toBeInstanceOf(Error);
    }
    await stillServing();
  });

  it('a reason phrase node refuses to write is replaced, and the answer relayed', async () => {
    const r = await rawRequest(gw.port, 'GET /odd-reason HTTP/1.1\r\nHost: x\r\n\r\n', { until: completeResponses(1) });
    const [res] = parseResponses(r.data);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok');
    expect(r.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(gw.engine.upstreamStatus()['odd-reason'][0]).toMatchObject({ failures: 0 });
  });

  it('a 204 with a Content-Length is relayed complete, without the length, and is no target failure', async () => {
    const r = await rawRequest(gw.port, ['GET /no-content-with-length HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    const [noContent, after] = parseResponses(r.data);
    expect(noContent.status).toBe(204);
    expect(noContent.headers['content-length']).toBeUndefined();
    expect(noContent.body.length).toBe(0);
    expect(after.status).toBe(200);
    expect(gw.engine.upstreamStatus()['no-content-with-length'][0]).toMatchObject({ failures: 0 });
  });

  it('a raw client sees the truncation too: the connection closes short of the length', async () => {
    const r = await rawRequest(gw.port, 'GET /reset-mid-body HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 3000 });
    expect(r.status).toBe(200);
    expect(r.closedByPeer).toBe(true);
    expect(() => parseResponses(r.data)).toThrow(/truncated/);
  });

  for (const [path, code] of [
    ['/garbage', 'UPSTREAM_BAD_RESPONSE'],
    ['/garbage-open', 'UPSTREAM_BAD_RESPONSE'],
    ['/bad-status', 'UPSTREAM_BAD_RESPONSE'],
    ['/status-999', 'UPSTREAM_BAD_RESPONSE'],
    ['/unasked-continue', 'UPSTREAM_BAD_RESPONSE'],
    ['/invalid-length', 'UPSTREAM_BAD_RESPONSE'],
    ['/two-lengths', 'UPSTREAM_BAD_RESPONSE'],
    ['/length-and-chunked', 'UPSTREAM_BAD_RESPONSE'],
    ['/huge-header', 'UPSTREAM_BAD_RESPONSE'],
    ['/close-silently', 'UPSTREAM_RESET'],
    ['/reset-silently', 'UPSTREAM_RESET'],
  ] as const) {
    it(`${path.slice(1)} → 502 ${code}`, async () => {
      const r = await get(path);
      expect(r.status).toBe(502);
      expect(r.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(r.body as string)).toMatchObject({ status: 502, code });
      await stillServing();
    });
  }

  it('an upstream that answers before reading the upload: the client gets that answer', async () => {
    const r = await get('/early-answer', { method: 'POST', body: Buffer.alloc(4 * 1024 * 1024, 1) });
    expect(r.status).toBe(401);
    expect(r.body).toBe('nope');
    await stillServing();
  });

  it('… and a raw client can finish its upload and reuse the connection', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 2);
    const r = await rawRequest(
      gw.port,
      [
        `POST /early-answer HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`,
        body.subarray(0, 1024),
        body.subarray(1024),
        'GET /healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ],
      { gapMs: 50, timeoutMs: 5000, until: completeResponses(2) },
    );
    const responses = parseResponses(r.data);
    expect(responses.map((x) => x.status)).toEqual([401, 200]);
  });
});
