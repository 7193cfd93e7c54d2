import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../capture/captured-exchange.js';
import { buildReplayRequest } from './build-request.js';
import { ReplayError } from './errors.js';

function original(over: Partial<CapturedExchange> = {}): CapturedExchange {
  return {
    id: 'x1',
    requestId: 'r1',
    startedAt: 0,
    duration: 1,
    timings: { queue: 0, connect: 0, ttfb: 0, total: 1 },
    clientAddress: '127.0.0.1',
    clientPort: 1,
    listener: 'web',
    scheme: 'http',
    httpVersion: '1.1',
    method: 'POST',
    host: 'api.localhost',
    url: '/a?b=1',
    route: null,
    upstream: null,
    target: null,
    attempts: 1,
    status: 200,
    requestHeaders: [
      'Host', 'api.localhost:8080',
      'Connection', 'keep-alive, X-Hop',
      'X-Hop', 'gone',
      'Keep-Alive', 'timeout=5',
      'Transfer-Encoding', 'chunked',
      'Content-Length', '3',
      'X-Request-Id', 'client-id',
      'x-switchyard-replay', 'old-token',
      'Expect', '100-continue',
      'X-A', '1',
      'X-B', '2',
      'x-a', '3',
    ],
    responseHeaders: [],
    requestBody: { bytes: Buffer.from('abc'), size: 3, truncated: false, contentType: 'text/plain' },
    responseBody: { bytes: null, size: 0, truncated: false, contentType: null },
    policies: [],
    error: null,
    aborted: false,
    websocket: null,
    replayOf: null,
    source: 'live',
    ...over,
  };
}

describe('buildReplayRequest', () => {
  it('keeps end-to-end headers and drops hop-by-hop, framing, the old request id and replay mark', () => {
    const r = buildReplayRequest(original());
    expect(r.headers).toEqual(['Host', 'api.localhost:8080', 'X-A', '1', 'X-B', '2', 'x-a', '3']);
    expect(r).toMatchObject({ method: 'POST', path: '/a?b=1', hostEdited: false, requestIdEdited: false, droppedMasked: [] });
    expect(r.body?.toString()).toBe('abc');
  });

  it('applies remove, then set (in place of the first), then add', () => {
    const r = buildReplayRequest(original(), { headers: { remove: ['x-b'], set: { 'X-A': ['9', '10'] }, add: { 'X-A': '11', 'X-Request-Id': 'mine' } } });
    expect(r.headers).toEqual(['Host', 'api.localhost:8080', 'X-A', '9', 'X-A', '10', 'X-A', '11', 'X-Request-Id', 'mine']);
    expect(r.requestIdEdited).toBe(true);
    expect(buildReplayRequest(original(), { headers: { set: { host: 'other' } } })).toMatchObject({ hostEdited: true, headers: expect.arrayContaining(['host', 'other']) });
  });

  it('turns HTTP/2 pseudo-headers of imported exchanges into a Host', () => {
    const r = buildReplayRequest(original({ requestHeaders: [':method', 'GET', ':authority', 'h2.test', ':path', '/a', 'accept', '*/*'] }));
    expect(r.headers).toEqual(['Host', 'h2.test', 'accept', '*/*']);
  });

  it('reduces an absolute-form URL to its path', () => {
    expect(buildReplayRequest(original({ url: 'http://api.localhost:8080/p?q' })).path).toBe('/p?q');
    expect(buildReplayRequest(original({ url: 'http://api.localhost:8080' })).path).toBe('/');
  });

  it('finds masked JWTs in the URL and body', () => {
    const x = original({ url: '/a?token=[masked-jwt]', requestBody: { bytes: Buffer.from('{"t":"[masked-jwt]"}'), size: 20, truncated: false, contentType: 'application/json' } });
    let err: ReplayError | undefined;
    try {
      buildReplayRequest(x);
    } catch (e) {
      err = e as ReplayError;
    }
    expect(err?.masked).toEqual({ headers: [], url: true, body: true });
    expect(err?.message).toMatch(/the URL \(edit the URL\); the body \(supply a body\)/);
    expect(() => buildReplayRequest(x, { url: '/a?token=real', body: { text: '{}' } })).not.toThrow();
  });

  it('finds a masked JWT inside a compressed body (capture masks it decoded and encodes it again)', () => {
    for (const [codings, bytes] of [
      ['gzip', gzipSync('{"t":"[masked-jwt]"}')],
      ['br', brotliCompressSync('{"t":"[masked-jwt]"}')],
      ['deflate, gzip', gzipSync(deflateSync('{"t":"[masked-jwt]"}'))],
    ] as const) {
      const x = original({
        requestHeaders: ['Host', 'h', 'Content-Encoding', codings],
        requestBody: { bytes, size: bytes.length, truncated: false, contentType: 'application/json' },
      });
      expect(() => buildReplayRequest(x), codings).toThrow(/Values are needed for: the body \(supply a body\)/);
      expect(buildReplayRequest(x, {}, { bodyMasked: false }).body?.equals(bytes)).toBe(true);
    }
    const clean = gzipSync('{"t":"fine"}');
    const x = original({ requestHeaders: ['Host', 'h', 'Content-Encoding', 'gzip'], requestBody: { bytes: clean, size: clean.length, truncated: false, contentType: null } });
    expect(buildReplayRequest(x).body?.equals(clean)).toBe(true);
  });

  it('finds a masked secret query parameter in the URL, and only a whole masked value', () => {
    for (const url of ['/items?api_key=[masked]&page=2', '/items?page=2&api%5Fkey=[masked]', '/i?k=[masked]#top']) {
      expect(() => buildReplayRequest(original({ url })), url).toThrow(/MASKED_SECRETS|cannot be resent[\s\S]*the URL \(edit the URL\)/);
    }
    expect(() => buildReplayRequest(original({ url: '/items?api_key=[masked]' }), { url: '/items?api_key=real' })).not.toThrow();
    // Text that only looks like it is sent as is.
    expect(buildReplayRequest(original({ url: '/search?q=[masked]x' })).path).toBe('/search?q=[masked]x');
  });

  it('sends no body when the edit says null, and refuses a body that was not stored', () => {
    expect(buildReplayRequest(original(), { body: null }).body).toBeNull();
    const dropped = original({ requestBody: { bytes: null, size: 10, truncated: false, contentType: null } });
    expect(() => buildReplayRequest(dropped)).toThrow(/request body \(10 bytes\) was not stored/);
  });
});
