/**
 * HAR export from exchanges captured by a real gateway (and read back from
 * history) validates against the HAR 1.2 schema and imports back equal;
 * import is tolerant of what other tools write and clear about bad input.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { exportHar } from '../../src-proxy/har/har-export.js';
import { HarImportError, importHar } from '../../src-proxy/har/har-import.js';
import { History } from '../../src-proxy/history/history.js';
import { replayExchange } from '../../src-proxy/replay/replay.js';
import { startGateway, waitFor, type Gateway } from '../helpers/gateway.js';
import { startServer, type Started } from '../helpers/upstreams.js';
import { tempDir } from '../history/fixtures.js';
import { comparable } from './compare.js';
import { harErrors, validateHar } from './har-schema.js';

let gw: Gateway;
let app: Started<http.Server>;
const records: CapturedExchange[] = [];
const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d5a1e60000000049454e44ae426082', 'hex');

beforeAll(async () => {
  app = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/json') {
        res.writeHead(200, [
          'Content-Type', 'application/json; charset=utf-8',
          'Set-Cookie', 'sid=abc123; Path=/; HttpOnly; Secure; Expires=Wed, 21 Oct 2037 07:28:00 GMT',
          'Set-Cookie', 'theme=dark',
          'X-Dup', 'one',
          'X-Dup', 'two',
        ]);
        res.end(JSON.stringify({ query: url.search, got: Buffer.concat(chunks).length, note: 'héllo ✓' }));
      } else if (url.pathname === '/image') {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(png);
      } else if (url.pathname === '/redirect') {
        res.writeHead(302, { location: '/json?from=redirect' });
        res.end();
      } else if (url.pathname === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('b'.repeat(3000));
      } else {
        res.writeHead(204);
        res.end();
      }
    });
  });
  gw = await startGateway(`
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0" }
routes:
  - { name: app, match: { host: app.localhost }, upstream: app }
upstreams:
  app: { targets: [{ url: "${app.url}" }] }
capture: { maxBodySize: 1KB }
`);
  gw.engine.capture.add((r) => records.push(r));
});

afterAll(async () => {
  await gw?.stop();
  await app?.close();
});

async function send(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<CapturedExchange> {
  const before = records.length;
  await new Promise<void>((resolve, reject) => {
    const req = http.request(`${gw.url}${path}`, { method, headers: { host: 'app.localhost:8080', ...headers }, agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
  await waitFor(() => records.length > before, 3000, 'capture');
  return records[records.length - 1];
}

async function traffic(): Promise<CapturedExchange[]> {
  const out: CapturedExchange[] = [];
  out.push(await send('GET', '/json?a=1&b=two%20words&c', { cookie: 'sid=s3cret; lang=en', authorization: 'Bearer tok', accept: 'application/json' }));
  out.push(await send('POST', '/json', { 'content-type': 'application/json' }, '{"name":"wörld","n":[1,2,3]}'));
  out.push(await send('PUT', '/json', { 'content-type': 'application/octet-stream' }, Buffer.from([0, 1, 2, 0xff, 0x80, 0x7f])));
  out.push(await send('POST', '/big', { 'content-type': 'text/plain' }, 'r'.repeat(2000)));
  out.push(await send('GET', '/image'));
  out.push(await send('GET', '/redirect'));
  out.push(await send('DELETE', '/nothing'));
  out.push(await send('GET', '/no-route', { host: 'elsewhere.localhost' }));
  const replay = await replayExchange(out[0], { dropMasked: true }, { engine: gw.engine });
  await waitFor(() => records.some((r) => r.id === replay.id), 3000, 'replay capture');
  out.push(records.find((r) => r.id === replay.id)!);
  return out;
}

describe('HAR export', () => {
  it('validates against the HAR 1.2 schema and maps the fields', async () => {
    const exchanges = await traffic();
    const har = exportHar(exchanges, { version: '9.9.9' });
    expect(harErrors(har)).toBe('');
    const json = JSON.parse(JSON.stringify(har)) as typeof har;
    expect(harErrors(json)).toBe('');

    expect(har.log.version).toBe('1.2');
    expect(har.log.creator).toEqual({ name: 'Switchyard', version: '9.9.9' });
    expect(exportHar([]).log.creator.version).toMatch(/^\d+\.\d+\.\d+/);
    const [get, post, put, big, image, redirect, , noRoute, replay] = har.log.entries;

    expect(get.startedDateTime).toBe(new Date(exchanges[0].startedAt).toISOString());
    expect(get.request).toMatchObject({ method: 'GET', url: 'http://app.localhost:8080/json?a=1&b=two%20words&c', httpVersion: 'HTTP/1.1', headersSize: -1, bodySize: 0 });
    expect(get.request.queryString).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'two words' },
      { name: 'c', value: '' },
    ]);
    // Secrets stay masked in the export.
    expect(get.request.cookies).toEqual([
      { name: 'sid', value: '[masked]' },
      { name: 'lang', value: '[masked]' },
    ]);
    expect(get.request.headers).toContainEqual({ name: 'authorization', value: 'Bearer [masked]' });
    expect(get.response.cookies[0]).toEqual({ name: 'sid', value: '[masked]', path: '/', httpOnly: true, secure: true, expires: '2037-10-21T07:28:00.000Z' });
    expect(get.response).toMatchObject({ status: 200, statusText: 'OK', redirectURL: '' });
    expect(get.response.content.mimeType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(get.response.content.text!)).toMatchObject({ note: 'héllo ✓' });
    expect(get.response.content.encoding).toBeUndefined();
    expect(get.serverIPAddress).toBe('127.0.0.1');
    expect(get.timings.dns).toBe(-1);
    expect(get.timings.ssl).toBe(-1);
    expect(get.time).toBeCloseTo(get.timings.blocked! + get.timings.connect! + get.timings.send + get.timings.wait + get.timings.receive, 6);
    expect(get.time).toBeCloseTo(exchanges[0].duration, 2);
    expect(get._switchyard).toMatchObject({ id: exchanges[0].id, route: 'app', upstream: 'app', target: app.url, listener: 'web' });

    expect(post.request.postData).toEqual({ mimeType: 'application/json', text: '{"name":"wörld","n":[1,2,3]}' });
    expect(post.request.bodySize).toBe(Buffer.byteLength('{"name":"wörld","n":[1,2,3]}'));
    expect(put.request.postData).toEqual({ mimeType: 'application/octet-stream', text: Buffer.from([0, 1, 2, 0xff, 0x80, 0x7f]).toString('base64'), encoding: 'base64' });
    expect(big.request.bodySize).toBe(2000);
    expect(big.request.postData?.comment).toBe('truncated: capture kept the first 1024 of 2000 bytes');
    expect(big.response.content).toMatchObject({ size: 3000, comment: 'truncated: capture kept the first 1024 of 3000 bytes' });
    expect(big.response.content.text).toHaveLength(1024);
    expect(image.response.content).toEqual({ size: png.length, mimeType: 'image/png', text: png.toString('base64'), encoding: 'base64' });
    expect(redirect.response).toMatchObject({ status: 302, statusText: 'Found', redirectURL: '/json?from=redirect' });
    expect(noRoute.response.status).toBe(404);
    expect(noRoute.comment).toMatch(/^ROUTE_NOT_FOUND: /);
    expect(noRoute.serverIPAddress).toBeUndefined();
    expect(replay._switchyard).toMatchObject({ replayOf: exchanges[0].id, source: 'replay' });
  });

  it('the schema is not a rubber stamp', () => {
    const har = exportHar([]) as unknown as { log: Record<string, unknown> };
    expect(validateHar(har)).toBe(true);
    expect(validateHar({ log: { ...har.log, version: '1.1' } })).toBe(false);
    expect(validateHar({ log: { ...har.log, entries: [{ startedDateTime: 'yesterday' }] } })).toBe(false);
    expect(validateHar({ log: { ...har.log, extra: 1 } })).toBe(false);
    expect(validateHar({ log: { ...har.log, _custom: 1 } })).toBe(true);
  });
});

describe('HAR round trip', () => {
  it('exported from history, validates, and imports back equal (new ids, source import, replay links kept)', async () => {
    const exchanges = await traffic();
    const t = tempDir('switchyard-har-');
    const history = await History.open({ dataDir: t.dir });
    try {
      for (const x of exchanges) history.record(x);
      await history.flush();
      const stored = exchanges.map((x) => history.store.get(x.id)!);
      expect(stored.every((s) => s !== null)).toBe(true);

      const text = JSON.stringify(exportHar(stored));
      expect(harErrors(JSON.parse(text))).toBe('');
      const imported = importHar(text);
      expect(imported.warnings).toEqual([]);
      expect(imported.creator?.name).toBe('Switchyard');
      expect(imported.originalIds).toEqual(exchanges.map((x) => x.id));
      expect(imported.exchanges).toHaveLength(exchanges.length);
      const byOld = new Map(imported.originalIds.map((old, i) => [old, imported.exchanges[i]]));
      for (const [i, x] of imported.exchanges.entries()) {
        const original = exchanges[i];
        expect(x.id).not.toBe(original.id);
        expect(x.source).toBe('import');
        const expected = comparable(original);
        if (original.replayOf !== null) expected.replayOf = byOld.get(original.replayOf)!.id;
        expect(comparable(x)).toEqual(expected);
      }

      // Into history as imported, and out again the same.
      for (const x of imported.exchanges) history.record(x);
      await history.flush();
      const back = history.store.get(imported.exchanges[1].id)!;
      expect(back.source).toBe('import');
      expect(comparable(back)).toEqual(comparable(imported.exchanges[1]));
    } finally {
      await history.close();
      t.cleanup();
    }
  });
});

describe('HAR import', () => {
  const log = (entries: unknown[], extra: Record<string, unknown> = {}) => ({ log: { version: '1.2', creator: { name: 'x', version: '1' }, entries, ...extra } });
  const entry = (over: Record<string, unknown> = {}) => ({
    startedDateTime: '2026-01-02T03:04:05.678+01:00',
    time: 50,
    request: { method: 'GET', url: 'https://api.example.com:8443/v1/items?x=1', httpVersion: 'HTTP/1.1', headers: [], cookies: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: 'x-unknown' }, redirectURL: '', headersSize: -1, bodySize: -1 },
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, send: 0, wait: 40, receive: 10, ssl: -1 },
    ...over,
  });

  it('reads what browsers emit: HTTP/2 pseudo-headers, base64 content, -1 timings, missing fields, _ fields', () => {
    const result = importHar(
      log([
        entry({
          _resourceType: 'fetch',
          _priority: 'High',
          request: {
            method: 'POST',
            url: 'https://api.example.com/v1/items?x=1',
            httpVersion: 'h2',
            headers: [
              { name: ':method', value: 'POST' },
              { name: ':authority', value: 'api.example.com' },
              { name: ':scheme', value: 'https' },
              { name: ':path', value: '/v1/items?x=1' },
              { name: 'content-type', value: 'application/x-www-form-urlencoded' },
              { name: 'authorization', value: 'Bearer abc' },
            ],
            postData: { mimeType: 'application/x-www-form-urlencoded', params: [{ name: 'a', value: 'b c' }, { name: 'd' }] },
          },
          response: {
            status: 201,
            httpVersion: 'http/2.0',
            headers: [{ name: 'content-type', value: 'image/png' }, { name: 'set-cookie', value: 'sid=1; Path=/' }],
            content: { size: png.length, mimeType: 'image/png', text: png.toString('base64'), encoding: 'base64' },
            _transferSize: 999,
          },
          timings: { blocked: 2.5, dns: -1, ssl: 3, connect: 5, send: 0.5, wait: 20, receive: -1 },
          serverIPAddress: '[2001:db8::1]',
        }),
      ]),
    );
    expect(result.warnings).toEqual([]);
    expect(result.originalIds).toEqual([null]);
    const [x] = result.exchanges;
    expect(x).toMatchObject({
      source: 'import',
      method: 'POST',
      scheme: 'https',
      host: 'api.example.com',
      url: '/v1/items?x=1',
      httpVersion: '2.0',
      status: 201,
      startedAt: Date.parse('2026-01-02T02:04:05.678Z'),
      route: null,
      replayOf: null,
      error: null,
      timings: { queue: 2.5, connect: 5, ttfb: 20.5, total: 50 },
      duration: 50,
    });
    expect(x.requestHeaders).toEqual(['host', 'api.example.com', 'content-type', 'application/x-www-form-urlencoded', 'authorization', 'Bearer [masked]']);
    expect(x.responseHeaders).toEqual(['content-type', 'image/png', 'set-cookie', 'sid=[masked]; Path=/']);
    expect(Buffer.from(x.requestBody.bytes!).toString()).toBe('a=b+c&d=');
    expect(Buffer.from(x.responseBody.bytes!).equals(png)).toBe(true);
    expect(x.responseBody).toMatchObject({ size: png.length, truncated: false, contentType: 'image/png' });
    expect(x.id).toMatch(/^[0-9a-z]{16,}$/);
  });

  it('tolerates sparse entries and keeps what it can', () => {
    const result = importHar(
      log([
        { startedDateTime: '2026-01-02T03:04:05Z', request: { method: 'GET', url: 'http://h.test/a' } },
        entry({ response: { status: 0, _error: 'net::ERR_CONNECTION_REFUSED' }, time: -1, timings: { send: -1, wait: -1, receive: -1 } }),
        entry({ response: { status: 200, content: { size: 5000, mimeType: 'text/html' } } }),
      ]),
    );
    const [sparse, failed, noText] = result.exchanges;
    expect(sparse).toMatchObject({ status: 0, attempts: 0, error: { code: 'NO_RESPONSE' }, httpVersion: '1.1', requestHeaders: ['host', 'h.test'], timings: { queue: 0, connect: 0, ttfb: 0, total: 0 } });
    expect(failed).toMatchObject({ status: 0, error: { code: 'IMPORTED_FAILURE', message: 'net::ERR_CONNECTION_REFUSED' } });
    expect(failed.timings.total).toBe(0);
    expect(noText.responseBody).toEqual({ bytes: null, size: 5000, truncated: true, contentType: 'text/html' });
  });

  it('caps bodies like capture does', () => {
    const text = 'z'.repeat(5000);
    const [x] = importHar(log([entry({ response: { status: 200, content: { size: 5000, mimeType: 'text/plain', text } } })]), { maxBodySize: 100 }).exchanges;
    expect(x.responseBody).toMatchObject({ size: 5000, truncated: true });
    expect(x.responseBody.bytes!.byteLength).toBe(100);
  });

  it('skips non-HTTP entries with a warning', () => {
    const result = importHar(log([entry({ request: { method: 'GET', url: 'data:image/png;base64,AAAA' } }), entry()]));
    expect(result.exchanges).toHaveLength(1);
    expect(result.warnings).toEqual(['entry 1 (log.entries[0]) skipped: data: URLs are not HTTP exchanges']);
  });

  it('fails clearly on bad input', () => {
    const fails = (input: unknown, message: RegExp) => {
      let err: unknown;
      try {
        importHar(input as string);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HarImportError);
      expect((err as Error).message).toMatch(message);
      return err as HarImportError;
    };
    fails('{not json', /^Not a HAR file: the input is not JSON \(/);
    fails('[]', /^Not a HAR file: there is no "log" object/);
    fails({ log: { version: '2.0', entries: [] } }, /^Unsupported HAR version "2.0": this importer reads HAR 1.1 and 1.2\.$/);
    fails({ log: { version: '1.2', entries: {} } }, /log\.entries is not a list/);
    const err = fails(log([entry(), entry({ request: { method: 'GET' } })]), /^HAR entry 2 \(log\.entries\[1\]\) is invalid: request\.url is missing$/);
    expect(err.entry).toBe(1);
    expect(err.code).toBe('BAD_REQUEST');
    fails(log([entry({ startedDateTime: 'yesterday' })]), /entry 1 .* is invalid: startedDateTime "yesterday" is not a date/);
    fails(log([entry({ request: { method: 'G E T', url: 'http://x/' } })]), /request\.method "G E T" is not an HTTP method/);
    fails(log([entry({ request: { method: 'GET', url: '/relative' } })]), /request\.url "\/relative" is not an absolute http\(s\) URL/);
    fails(log([entry({ request: { method: 'GET', url: 'http://x/', headers: 'nope' } })]), /request\.headers is not a list/);
    fails(log(['x']), /entry 1 .* is invalid: it is not an object/);
    // A missing version means 1.1 (the spec's default); skipInvalid collects problems instead.
    expect(importHar({ log: { entries: [entry()] } }).exchanges).toHaveLength(1);
    const lenient = importHar(log([entry(), { request: {} }]), { skipInvalid: true });
    expect(lenient.exchanges).toHaveLength(1);
    expect(lenient.warnings[0]).toMatch(/^HAR entry 2 \(log\.entries\[1\]\) is invalid: request\.method is missing; skipped$/);
  });
});
