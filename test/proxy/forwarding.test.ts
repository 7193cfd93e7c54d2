/**
 * What crosses the gateway: hop-by-hop headers are dropped both ways, the
 * forwarding headers are set from what the gateway saw, request ids are kept
 * or generated, and Host is preserved or replaced as configured.
 */
import http from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResponses, rawRequest, startGateway, type Gateway } from '../helpers/gateway.js';
import { startEchoUpstream, startServer, type EchoRecord, type EchoUpstream, type Started } from '../helpers/upstreams.js';

let gw: Gateway;
let echo: EchoUpstream;
let hoppy: Started<http.Server>;

beforeAll(async () => {
  echo = await startEchoUpstream();
  // Answers with every kind of hop-by-hop header next to end-to-end ones.
  hoppy = await startServer((req, res) => {
    req.resume();
    res.writeHead(200, [
      'Connection', 'X-Resp-Hop, keep-alive',
      'X-Resp-Hop', 'secret',
      'Keep-Alive', 'timeout=77, max=9',
      'Proxy-Authenticate', 'Basic realm="up"',
      'Proxy-Connection', 'keep-alive',
      'Trailer', 'X-Never',
      'Upgrade', 'foo/1',
      'X-End-To-End', 'kept',
      'Content-Type', 'text/plain',
    ]);
    res.end('ok');
  });
  gw = await startGateway(`
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0" }
routes:
  - { name: hoppy, match: { path: /hoppy }, upstream: hoppy }
  - { name: target-host, match: { path: /target-host }, upstream: by-target }
  - { name: fixed-host, match: { path: /fixed-host }, upstream: by-fixed }
  - { name: echo, match: { path: / }, upstream: echo }
upstreams:
  echo: { targets: [{ url: "${echo.url}" }] }
  hoppy: { targets: [{ url: "${hoppy.url}" }] }
  by-target: { targets: [{ url: "${echo.url}" }], hostHeader: target }
  by-fixed: { targets: [{ url: "${echo.url}" }], hostHeader: svc.internal }
`);
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await hoppy?.close();
});

/** node:http lets a test send headers that undici refuses (Connection tokens, TE, Upgrade, Keep-Alive). */
function nodeGet(path: string, headers: http.OutgoingHttpHeaders): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${gw.url}${path}`, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function echoed(path: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ record: EchoRecord; headers: http.IncomingHttpHeaders }> {
  const res = await nodeGet(path, headers);
  expect(res.status).toBe(200);
  return { record: JSON.parse(res.body) as EchoRecord, headers: res.headers };
}

describe('hop-by-hop headers', () => {
  it('are removed from the request, including those named in Connection', async () => {
    // Raw bytes: no client library lets all of these through.
    const r = await rawRequest(
      gw.port,
      [
        'GET /hop HTTP/1.1',
        'Host: x',
        'Connection: keep-alive, X-Hop-Secret',
        'Connection: x-other-hop',
        'X-Hop-Secret: must not pass',
        'X-Other-Hop: nor this',
        'Keep-Alive: timeout=99',
        'TE: gzip',
        'Trailer: X-Later',
        'Upgrade: h2c',
        'Proxy-Authorization: Basic dXNlcjpwYXNz',
        'Proxy-Connection: keep-alive',
        'X-End-To-End: kept',
        '',
        'GET /hop HTTP/1.1',
        'Host: x',
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    );
    const [first, second] = parseResponses(r.data);
    expect(first.status).toBe(200);
    const h = (JSON.parse(first.body.toString()) as EchoRecord).headers;
    for (const name of ['x-hop-secret', 'x-other-hop', 'keep-alive', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-connection']) {
      expect(h[name], name).toBeUndefined();
    }
    expect(String(h.connection ?? '')).not.toMatch(/hop/i);
    expect(h['x-end-to-end']).toBe('kept');
    // The client's "Connection: close" is its own business too.
    expect(second.status).toBe(200);
    expect(String((JSON.parse(second.body.toString()) as EchoRecord).headers.connection ?? '')).not.toMatch(/close/i);
  });

  it('are removed from the response, including those named in Connection', async () => {
    const r = await rawRequest(gw.port, 'GET /hoppy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const [res] = parseResponses(r.data);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok');
    expect(res.headers['x-end-to-end']).toBe('kept');
    for (const name of ['x-resp-hop', 'proxy-authenticate', 'proxy-connection', 'trailer', 'upgrade']) {
      expect(res.headers[name], name).toBeUndefined();
    }
    // The gateway may speak its own connection management, never the upstream's.
    expect(res.headers['keep-alive'] ?? '').not.toContain('77');
    expect(res.headers.connection ?? '').not.toMatch(/resp-hop/i);
  });
});

describe('forwarding headers', () => {
  it('sets X-Forwarded-*, X-Real-IP and Forwarded when the client sent none', async () => {
    const { record } = await echoed('/fwd', { Host: 'api.test:8080' });
    const h = record.headers;
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-host']).toBe('api.test:8080');
    expect(h['x-real-ip']).toBe('127.0.0.1');
    expect(h.forwarded).toBe('for=127.0.0.1;host="api.test:8080";proto=http');
  });

  it('appends to X-Forwarded-For and Forwarded, and replaces the rest', async () => {
    const { record } = await echoed('/fwd', {
      Host: 'api.test',
      'X-Forwarded-For': '203.0.113.9, 10.0.0.1',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'spoofed.example',
      'X-Real-IP': '6.6.6.6',
      Forwarded: 'for=198.51.100.1',
    });
    const h = record.headers;
    expect(h['x-forwarded-for']).toBe('203.0.113.9, 10.0.0.1, 127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-host']).toBe('api.test');
    expect(h['x-real-ip']).toBe('127.0.0.1');
    expect(h.forwarded).toBe('for=198.51.100.1, for=127.0.0.1;host=api.test;proto=http');
    // One copy of each, not the client's plus the gateway's.
    const count = (n: string) => record.rawHeaders.filter((x, i) => i % 2 === 0 && x.toLowerCase() === n).length;
    for (const n of ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'forwarded', 'host']) expect(count(n), n).toBe(1);
  });
});

describe('request id', () => {
  it('keeps a valid X-Request-Id and returns it to the client', async () => {
    const { record, headers } = await echoed('/id', { 'X-Request-Id': 'trace-abc-123' });
    expect(record.headers['x-request-id']).toBe('trace-abc-123');
    expect(headers['x-request-id']).toBe('trace-abc-123');
  });

  it('generates one when missing (or unusable), and returns the same id', async () => {
    const a = await echoed('/id');
    const b = await echoed('/id');
    const id = a.record.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-z]{17}$/);
    expect(a.headers['x-request-id']).toBe(id);
    expect(b.record.headers['x-request-id']).not.toBe(id);
    const bad = await echoed('/id', { 'X-Request-Id': 'has spaces in it' });
    expect(bad.record.headers['x-request-id']).toMatch(/^[0-9a-z]{17}$/);
    expect(bad.headers['x-request-id']).toBe(bad.record.headers['x-request-id']);
  });
});

describe('Host header', () => {
  it('is preserved by default', async () => {
    const res = await request(`${gw.url}/host`, { headers: { host: 'Public.Example:9000' } });
    const body = (await res.body.json()) as EchoRecord;
    expect(body.headers.host).toBe('Public.Example:9000');
  });

  it('is the target authority with hostHeader: target', async () => {
    const res = await request(`${gw.url}/target-host`, { headers: { host: 'public.example' } });
    const body = (await res.body.json()) as EchoRecord;
    expect(body.headers.host).toBe(new URL(echo.url).host);
    expect(body.headers['x-forwarded-host']).toBe('public.example');
  });

  it('is a fixed value when hostHeader names one', async () => {
    const res = await request(`${gw.url}/fixed-host`, { headers: { host: 'public.example' } });
    expect(((await res.body.json()) as EchoRecord).headers.host).toBe('svc.internal');
  });
});
