/**
 * Failures become RFC 9457 problems with the right status: 502 when the
 * upstream cannot be reached, 504 on timeouts, 503 (with Retry-After) when no
 * target is healthy, and 400/413/414/431 for requests over the listener's
 * limits.
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeResponses, parseResponses, rawRequest, startGateway, waitFor, type Gateway } from '../helpers/gateway.js';
import { patternChunks, startBlackhole, startEchoUpstream, startServer, type EchoUpstream, type Started } from '../helpers/upstreams.js';

let gw: Gateway;
let echo: EchoUpstream;
let silent: Started<http.Server>;
let stalling: Started<http.Server>;
let sick: Started<http.Server>;
let sickHits = 0;
let blackhole: Awaited<ReturnType<typeof startBlackhole>>;
let refusedUrl: string;

beforeAll(async () => {
  echo = await startEchoUpstream();
  silent = await startServer((req) => req.resume()); // never answers
  stalling = await startServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-length': '100000' });
    res.write(Buffer.alloc(1000, 0x62)); // then nothing, ever
  });
  sick = await startServer((req, res) => {
    req.resume();
    if (req.url !== '/health') sickHits++;
    res.writeHead(req.url === '/health' ? 500 : 200);
    res.end('sick');
  });
  blackhole = await startBlackhole();
  const gone = await startServer(() => undefined);
  refusedUrl = gone.url;
  await gone.close();

  gw = await startGateway(`
version: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    limits: { maxBodySize: 1MB, maxUrlLength: 1KB, maxHeaderSize: 4KB }
routes:
  - { name: refused, match: { path: /refused }, upstream: refused }
  - { name: blackhole, match: { path: /blackhole }, upstream: blackhole }
  - { name: silent, match: { path: /silent }, upstream: silent }
  - { name: stalling, match: { path: /stalling }, upstream: stalling }
  - { name: sick, match: { path: /sick }, upstream: sick }
  - { name: drained, match: { path: /drained }, upstream: drained }
  - { name: echo, match: { path: / }, upstream: echo }
upstreams:
  echo: { targets: [{ url: "${echo.url}" }] }
  refused: { targets: [{ url: "${refusedUrl}" }] }
  blackhole: { targets: [{ url: "${blackhole.url}" }], timeouts: { connect: 300ms } }
  silent: { targets: [{ url: "${silent.url}" }], timeouts: { response: 300ms } }
  stalling: { targets: [{ url: "${stalling.url}" }], timeouts: { idle: 300ms } }
  sick:
    targets: [{ url: "${sick.url}" }]
    healthCheck: { path: /health, interval: 100ms, timeout: 100ms, unhealthyAfter: 1, healthyAfter: 1 }
  drained: { targets: [{ url: "${echo.url}" }] }
`);
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([echo?.close(), silent?.close(), stalling?.close(), sick?.close()]);
  blackhole?.close();
});

async function problemOf(path: string, init: Parameters<typeof request>[1] = {}) {
  const started = Date.now();
  const res = await request(`${gw.url}${path}`, { headersTimeout: 10_000, ...init });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    problem: res.headers['content-type'] === 'application/problem+json' ? (JSON.parse(text) as Record<string, unknown>) : null,
    ms: Date.now() - started,
  };
}

function expectProblem(r: Awaited<ReturnType<typeof problemOf>>, status: number): void {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toBe('application/problem+json');
  expect(r.problem).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(r.problem!.requestId).toBe(r.headers['x-request-id']);
}

describe('upstream failures', () => {
  it('connection refused → 502', async () => {
    const r = await problemOf('/refused');
    expectProblem(r, 502);
    expect(r.problem!.code).toBe('UPSTREAM_CONNECT_FAILED');
  });

  it('an upload to an unreachable upstream → 502, and the connection stays usable', async () => {
    const body = 'x'.repeat(100_000);
    const r = await rawRequest(
      gw.port,
      [
        `POST /refused HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`,
        body,
        'POST /refused HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
        `${(body.length).toString(16)}\r\n${body}\r\n0\r\n\r\n`,
        'GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ],
      { gapMs: 30, timeoutMs: 5000, until: completeResponses(3) },
    );
    expect(parseResponses(r.data).map((x) => x.status)).toEqual([502, 502, 200]);
  });

  it('connect timeout → 504 after timeouts.connect', async () => {
    const r = await problemOf('/blackhole');
    expectProblem(r, 504);
    expect(r.problem!.code).toBe('UPSTREAM_CONNECT_TIMEOUT');
    expect(r.ms).toBeGreaterThanOrEqual(250);
    expect(r.ms).toBeLessThan(5000);
  });

  it('no response headers in time → 504 after timeouts.response', async () => {
    const r = await problemOf('/silent');
    expectProblem(r, 504);
    expect(r.problem!.code).toBe('UPSTREAM_TIMEOUT');
    expect(r.ms).toBeGreaterThanOrEqual(250);
    expect(r.ms).toBeLessThan(5000);
  });

  it('a body that stalls past timeouts.idle is cut, not completed', async () => {
    const res = await request(`${gw.url}/stalling`);
    expect(res.statusCode).toBe(200);
    await expect(res.body.arrayBuffer()).rejects.toThrow();
  });
});

describe('no healthy target', () => {
  it('a drained target → 503 with Retry-After, and the target is not called', async () => {
    const before = echo.requests.length;
    expect(gw.engine.setDrained('drained', echo.url, true)).toBe(true);
    try {
      const r = await problemOf('/drained');
      expectProblem(r, 503);
      expect(r.problem!.code).toBe('NO_HEALTHY_TARGET');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(echo.requests.length).toBe(before);
    } finally {
      gw.engine.setDrained('drained', echo.url, false);
    }
    expect((await problemOf('/drained')).status).toBe(200);
  });

  it('a target failing its health checks → 503 with Retry-After', async () => {
    await waitFor(() => gw.engine.upstreamStatus().sick?.[0]?.available === false, 5000, 'sick target marked down');
    const hits = sickHits;
    const r = await problemOf('/sick');
    expectProblem(r, 503);
    expect(r.headers['retry-after']).toBeDefined();
    expect(sickHits).toBe(hits);
  });
});

describe('request limits', () => {
  it('413 for a Content-Length over maxBodySize, before the upstream is called', async () => {
    const before = echo.requests.length;
    const r = await problemOf('/upload', { method: 'POST', body: Buffer.alloc(1024 * 1024 + 1) });
    expectProblem(r, 413);
    expect(echo.requests.length).toBe(before);
    // Exactly the limit is fine.
    const ok = await request(`${gw.url}/upload`, { method: 'POST', body: Buffer.alloc(1024 * 1024) });
    expect(ok.statusCode).toBe(200);
    expect(((await ok.body.json()) as { bodyLength: number }).bodyLength).toBe(1024 * 1024);
  });

  it('413 for a chunked body that outgrows maxBodySize, and the upstream never sees it complete', async () => {
    const before = echo.requests.length;
    const r = await problemOf('/upload', { method: 'POST', body: Readable.from(patternChunks(3 * 1024 * 1024, 5)) });
    expectProblem(r, 413);
    await new Promise((res) => setTimeout(res, 100));
    expect(echo.requests.length).toBe(before);
    // A chunked body under the limit passes.
    const ok = await request(`${gw.url}/upload`, { method: 'POST', body: Readable.from(patternChunks(512 * 1024, 5)) });
    expect(((await ok.body.json()) as { bodyLength: number }).bodyLength).toBe(512 * 1024);
  });

  it('414 for a request target over maxUrlLength', async () => {
    const r = await problemOf('/long?q=' + 'a'.repeat(1100));
    expectProblem(r, 414);
    expect((await problemOf('/long?q=' + 'a'.repeat(900))).status).toBe(200);
    // Longer than the parser's whole head limit (headers + URL): still a 414 problem, not a 431.
    const huge = await rawRequest(gw.port, `GET /long?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, { until: completeResponses(1) });
    const [res] = parseResponses(huge.data);
    expect(res.status).toBe(414);
    expect(res.headers['content-type']).toBe('application/problem+json');
  });

  it('431 for headers over maxHeaderSize (checked by the gateway and by the parser)', async () => {
    const r = await problemOf('/h', { headers: { 'x-big': 'b'.repeat(4500) } });
    expectProblem(r, 431);
    const raw = await rawRequest(gw.port, `GET /h HTTP/1.1\r\nHost: x\r\nX-Huge: ${'h'.repeat(20_000)}\r\n\r\n`);
    expect(raw.status).toBe(431);
    expect(raw.closedByPeer).toBe(true);
    expect((await problemOf('/h', { headers: { 'x-ok': 'b'.repeat(3000) } })).status).toBe(200);
  });

  it('400 for a missing Host and for an unsupported request target', async () => {
    const noHost = await rawRequest(gw.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n', { until: completeResponses(1) });
    const [missing] = parseResponses(noHost.data);
    expect(missing.status).toBe(400);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    expect(missing.headers['x-request-id']).toBeTruthy();
    expect(JSON.parse(missing.body.toString()).detail).toMatch(/host/i);
    // HTTP/1.0 needs no Host.
    expect((await rawRequest(gw.port, 'GET /long HTTP/1.0\r\n\r\n')).status).toBe(200);
    const ftp = await rawRequest(gw.port, 'GET ftp://example.test/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', {
      until: completeResponses(1),
    });
    const [res] = parseResponses(ftp.data);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
  });
});

describe('the gateway keeps serving', () => {
  it('after all of the above', async () => {
    const r = await request(`${gw.url}/after`);
    expect(r.statusCode).toBe(200);
    await r.body.dump();
  });
});
