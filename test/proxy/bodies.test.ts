/**
 * Bodies arrive intact in both directions, whatever the framing; responses
 * that must not have a body have none; trailers survive.
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResponses, rawRequest, startGateway, type Gateway } from '../helpers/gateway.js';
import { patternChunks, patternSha256, sha256, startEchoUpstream, startServer, type EchoRecord, type EchoUpstream, type Started } from '../helpers/upstreams.js';
import { createHash } from 'node:crypto';

let gw: Gateway;
let echo: EchoUpstream;
let bodies: Started<http.Server>;

beforeAll(async () => {
  echo = await startEchoUpstream();
  bodies = await startServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://x');
    const size = Number(url.searchParams.get('size') ?? 0);
    const seed = Number(url.searchParams.get('seed') ?? 1);
    switch (url.pathname) {
      case '/chunked': {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        Readable.from(patternChunks(size, seed, 16 * 1024 + 7)).pipe(res);
        return;
      }
      case '/sized': {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
        Readable.from(patternChunks(size, seed)).pipe(res);
        return;
      }
      case '/head':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1234' });
        res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1234));
        return;
      case '/no-content':
        res.writeHead(204, { 'x-kind': 'no-content' });
        res.end();
        return;
      case '/not-modified':
        res.writeHead(304, { etag: '"v1"', 'content-length': '999' });
        res.end();
        return;
      case '/trailers':
        res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum, x-count' });
        res.write('hello ');
        res.write('world');
        res.addTrailers({ 'x-checksum': sha256('hello world'), 'x-count': '2' });
        res.end();
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  gw = await startGateway(`
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0" }
routes:
  - { name: echo, match: { path: /echo }, upstream: echo }
  - { name: bodies, match: { path: / }, upstream: bodies }
upstreams:
  echo: { targets: [{ url: "${echo.url}" }] }
  bodies: { targets: [{ url: "${bodies.url}" }] }
`);
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await bodies?.close();
});

const SIZE = 3 * 1024 * 1024 + 17;

describe('request bodies', () => {
  it('arrive intact with Content-Length', async () => {
    const data = Buffer.concat([...patternChunks(SIZE, 7)]);
    const res = await request(`${gw.url}/echo`, { method: 'POST', body: data });
    const rec = (await res.body.json()) as EchoRecord;
    expect(res.statusCode).toBe(200);
    expect(rec.headers['content-length']).toBe(String(SIZE));
    expect(rec.bodyLength).toBe(SIZE);
    expect(rec.bodySha256).toBe(sha256(data));
  });

  it('arrive intact when chunked', async () => {
    const res = await request(`${gw.url}/echo`, { method: 'PUT', body: Readable.from(patternChunks(SIZE, 8, 10_000)) });
    const rec = (await res.body.json()) as EchoRecord;
    expect(res.statusCode).toBe(200);
    expect(rec.headers['content-length']).toBeUndefined();
    expect(rec.bodyLength).toBe(SIZE);
    expect(rec.bodySha256).toBe(patternSha256(SIZE, 8));
  });

  it('arrive intact when chunked in odd pieces by a raw client', async () => {
    const r = await rawRequest(
      gw.port,
      [
        'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
        '5\r\nhello\r\n',
        '1;ext=1\r\n \r\n6\r\nworld!\r\n',
        '0\r\n\r\n',
      ],
      { gapMs: 20 },
    );
    const [res] = parseResponses(r.data);
    const rec = JSON.parse(res.body.toString()) as EchoRecord;
    expect(rec.bodyLength).toBe(12);
    expect(rec.bodySha256).toBe(sha256('hello world!'));
  });

  it('an empty POST stays empty', async () => {
    const res = await request(`${gw.url}/echo`, { method: 'POST', body: '' });
    const rec = (await res.body.json()) as EchoRecord;
    expect(rec.bodyLength).toBe(0);
    expect(rec.headers['transfer-encoding']).toBeUndefined();
  });
});

describe('response bodies', () => {
  async function download(path: string): Promise<{ status: number; headers: Record<string, unknown>; length: number; hash: string }> {
    const res = await request(`${gw.url}${path}`);
    const hash = createHash('sha256');
    let length = 0;
    for await (const c of res.body) {
      hash.update(c as Buffer);
      length += (c as Buffer).length;
    }
    return { status: res.statusCode, headers: res.headers, length, hash: hash.digest('hex') };
  }

  it('arrive intact when chunked', async () => {
    const r = await download(`/chunked?size=${SIZE}&seed=3`);
    expect(r.status).toBe(200);
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.length).toBe(SIZE);
    expect(r.hash).toBe(patternSha256(SIZE, 3));
  });

  it('arrive intact with Content-Length, which is passed on', async () => {
    const r = await download(`/sized?size=${SIZE}&seed=4`);
    expect(r.headers['content-length']).toBe(String(SIZE));
    expect(r.length).toBe(SIZE);
    expect(r.hash).toBe(patternSha256(SIZE, 4));
  });

  it('HEAD, 204 and 304 have no body, and the connection stays usable', async () => {
    const r = await rawRequest(gw.port, [
      'HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /no-content HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /not-modified HTTP/1.1\r\nHost: x\r\nIf-None-Match: "v1"\r\n\r\n',
      'GET /head HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]);
    const [head, noContent, notModified, get] = parseResponses(r.data, ['HEAD', 'GET', 'GET', 'GET']);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('1234');
    expect(head.body.length).toBe(0);
    expect(noContent.status).toBe(204);
    expect(noContent.headers['x-kind']).toBe('no-content');
    expect(noContent.headers['transfer-encoding']).toBeUndefined();
    expect(notModified.status).toBe(304);
    expect(notModified.headers.etag).toBe('"v1"');
    expect(get.status).toBe(200);
    expect(get.body.toString()).toBe('x'.repeat(1234));
  });
});

describe('trailers', () => {
  it('are passed on with a chunked response', async () => {
    const { body, trailers } = await new Promise<{ body: string; trailers: NodeJS.Dict<string> }>((resolve, reject) => {
      http
        .get(`${gw.url}/trailers`, { agent: false, headers: { te: 'trailers' } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ body, trailers: res.trailers }));
        })
        .on('error', reject);
    });
    expect(body).toBe('hello world');
    expect(trailers['x-checksum']).toBe(sha256('hello world'));
    expect(trailers['x-count']).toBe('2');
  });
});
