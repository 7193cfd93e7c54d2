/** Replays of records a demanding user has lying around: binary bodies, HTTP/2 captures, WebSockets, odd edits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-proxy/engine.js';
import { exportHar } from '../../src-proxy/har/har-export.js';
import { importHar } from '../../src-proxy/har/har-import.js';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { DEFAULT_CAPTURE } from '../../src-proxy/replay/capture-defaults.js';
import { replayExchange } from '../../src-proxy/replay/replay.js';
import { makeExchange } from '../history/fixtures.js';
import { sha256, startEchoUpstream, type EchoUpstream } from '../helpers/upstreams.js';

let echo: EchoUpstream;
const engine = new Engine();
beforeAll(async () => {
  echo = await startEchoUpstream('adversarial');
});
afterAll(() => {
  echo?.close();
});

describe('replay, adversarial', () => {
  it('sends a binary body byte for byte, also after a HAR export and import', async () => {
    const bytes = new Uint8Array(Array.from({ length: 256 }, (_, i) => i));
    const original = makeExchange(1, {
      method: 'PUT',
      requestHeaders: ['Host', 'api.localhost', 'Content-Type', 'application/octet-stream'],
      requestBody: { bytes, size: 256, truncated: false, contentType: 'application/octet-stream' },
    });
    const imported = importHar(JSON.parse(JSON.stringify(exportHar([original])))).exchanges[0];
    for (const x of [original, imported]) {
      await replayExchange(x, { target: echo.url }, { engine });
      const seen = echo.requests.at(-1)!;
      expect(seen.bodyLength).toBe(256);
      expect(seen.bodySha256).toBe(sha256(Buffer.from(bytes)));
    }
  });

  it('a direct replay with a real key typed into the URL records it masked, as live capture would', async () => {
    const recorded: CapturedExchange[] = [];
    const own = new Engine();
    own.capture.add((r) => recorded.push(r));
    const capture = { ...DEFAULT_CAPTURE, secretQueryParams: new Set(['api_key']) };
    const result = await replayExchange(makeExchange(3), { target: echo.url, edit: { url: '/a?api_key=k-alice-secret&page=2' } }, { engine: own, capture });
    expect(echo.requests.at(-1)!.url).toBe('/a?api_key=k-alice-secret&page=2');
    expect(recorded.map((r) => r.url)).toEqual(['/a?api_key=[masked]&page=2']);
    expect(result.request.path).toBe('/a?api_key=[masked]&page=2');
  });

  it('an HTTP/2 capture goes out without pseudo-headers, with its :authority as Host', async () => {
    const original = makeExchange(2, {
      httpVersion: '2.0',
      requestHeaders: [':method', 'GET', ':scheme', 'https', ':authority', 'h2.example', ':path', '/users/2?page=1', 'accept', '*/*', 'te', 'trailers'],
    });
    await replayExchange(original, { target: echo.url, keepHost: true }, { engine });
    const seen = echo.requests.at(-1)!;
    expect(seen.rawHeaders.filter((_, i) => i % 2 === 0).some((n) => n.startsWith(':'))).toBe(false);
    expect(seen.headers.host).toBe('h2.example');
    expect(seen.url).toBe('/users/2?page=1');
  });

  it('refuses a WebSocket exchange instead of sending its handshake as a plain GET', async () => {
    const before = echo.requests.length;
    const ws = makeExchange(3, {
      requestHeaders: ['Host', 'api.localhost', 'Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version', '13'],
      status: 101,
      websocket: [{ time: 1, direction: 'client', opcode: 'text', data: new TextEncoder().encode('hi'), size: 2, truncated: false }],
    });
    await expect(replayExchange(ws, { target: echo.url }, { engine })).rejects.toMatchObject({ reason: 'NOT_REPLAYABLE', status: 400, message: expect.stringMatching(/WebSocket/) });
    expect(echo.requests.length).toBe(before);
  });

  it('refuses CONNECT (edited or captured) at once, instead of waiting out the timeout for an answer Node never hands over', async () => {
    // A server that answers CONNECT at once, as the gateway's reverse listener does (405).
    const { createServer } = await import('node:http');
    let connects = 0;
    const server = createServer((_req, res) => res.end('ok'));
    server.on('connect', (_req, socket: import('node:net').Socket) => {
      connects++;
      socket.end('HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const target = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
      const started = Date.now();
      await expect(replayExchange(makeExchange(4), { target, edit: { method: 'CONNECT' }, timeoutMs: 3000 }, { engine })).rejects.toMatchObject({
        reason: 'INVALID_EDIT',
        status: 400,
        message: expect.stringMatching(/CONNECT opens a tunnel/),
      });
      await expect(replayExchange(makeExchange(5, { method: 'CONNECT', url: 'example.com:443' }), { target, timeoutMs: 3000 }, { engine })).rejects.toMatchObject({
        reason: 'NOT_REPLAYABLE',
      });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(connects).toBe(0);
    } finally {
      server.close();
    }
  });

  it('sends header values wider than Latin-1 as UTF-8 bytes (edited or imported), and rejects bad base64 and fragments before sending', async () => {
    const original = makeExchange(4, { requestHeaders: ['Host', 'api.localhost', 'X-City', 'Zürich Ōsaka'] });
    await replayExchange(original, { target: echo.url, edit: { headers: { set: { 'X-Name': 'Ōsaka 東京' } } } }, { engine });
    const seen = echo.requests.at(-1)!;
    const utf8 = (name: string) => Buffer.from(seen.rawHeaders[seen.rawHeaders.findIndex((h, i) => i % 2 === 0 && h === name) + 1], 'latin1').toString('utf8');
    expect(utf8('X-Name')).toBe('Ōsaka 東京');
    expect(utf8('X-City')).toBe('Zürich Ōsaka');
    const before = echo.requests.length;
    await expect(replayExchange(original, { target: echo.url, edit: { method: 'POST', body: { base64: 'QUJDR' } } }, { engine })).rejects.toThrow(/not valid base64/);
    await expect(replayExchange(original, { target: echo.url, edit: { url: '/page#section' } }, { engine })).rejects.toThrow(/has a fragment/);
    expect(echo.requests.length).toBe(before);
  });
});

describe('replay of an exchange from a forward-proxy listener', () => {
  it('says the listener is a forward proxy and names the origin to replay to, instead of "not running"', async () => {
    const fake = {
      listeners: () => [
        { name: 'fwd', served: true, mode: 'forward', url: 'http://127.0.0.1:1' },
        { name: 'main', served: true, mode: 'reverse', url: 'http://127.0.0.1:2' },
      ],
      current: () => {
        throw new Error('no workspace');
      },
    } as unknown as Engine;
    const x = makeExchange(5, { listener: 'fwd', scheme: 'https', host: 'shop.test', intercepted: true, requestHeaders: ['Host', 'shop.test:8443'] });
    await expect(replayExchange(x, {}, { engine: fake })).rejects.toMatchObject({
      reason: 'NO_LISTENER',
      message: expect.stringMatching(/forward-proxy listener "fwd".*target https:\/\/shop\.test:8443.*running: main/),
    });
  });
});
