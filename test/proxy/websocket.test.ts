/**
 * WebSocket through the gateway: the handshake is routed like any request,
 * then frames flow both ways untouched. Refusals and failures come back as
 * ordinary HTTP answers on the upgrade request.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { hasIpv6Loopback, startServer, type Started } from '../helpers/upstreams.js';

let gw: Gateway;
let wsUp: Started<http.Server>;
let refusing: Started<http.Server>;
let plain: Started<http.Server>;
let refusedUrl: string;
const handshakes: http.IncomingMessage[] = [];
let upstreamSockets = 0;

beforeAll(async () => {
  // Echo server: every message back as it came, plus a greeting with the path it saw.
  wsUp = await startServer((_req, res) => res.end('not a websocket'));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
  wsUp.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    handshakes.push(req);
    wss.handleUpgrade(req, socket, head, (ws) => {
      upstreamSockets++;
      ws.on('close', () => upstreamSockets--);
      ws.send(JSON.stringify({ hello: req.url, protocol: ws.protocol }));
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  // Says no to the upgrade with its own status and body.
  refusing = await startServer((_req, res) => res.end());
  refusing.server.on('upgrade', (_req: http.IncomingMessage, socket: Duplex) => {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nX-Why: policy\r\nConnection: close\r\n\r\nno way');
  });
  // No upgrade handler at all: node answers the request normally.
  plain = await startServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('upgrade required elsewhere');
  });
  const gone = await startServer(() => undefined);
  refusedUrl = gone.url;
  await gone.close();

  gw = await startGateway(`
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0" }
routes:
  - { name: ws, match: { path: /ws }, rewrite: { stripPrefix: /ws }, upstream: ws }
  - { name: refusing, match: { path: /refusing }, upstream: refusing }
  - { name: plain, match: { path: /plain }, upstream: plain }
  - { name: drained, match: { path: /drained }, upstream: drained }
  - { name: down, match: { path: /down }, upstream: down }
  - { name: fixed, match: { path: /fixed }, respond: { status: 200, body: fixed } }
  - { name: guarded, match: { path: /guarded }, rewrite: { stripPrefix: /guarded }, policies: [slow, guard], upstream: ws }
policies:
  slow: { type: fault, delay: 20ms }
  guard: { type: fault, abort: { status: 403, body: no upgrade for you }, when: { headers: { x-token: { present: false } } } }
upstreams:
  ws: { targets: [{ url: "${wsUp.url}" }] }
  refusing: { targets: [{ url: "${refusing.url}" }] }
  plain: { targets: [{ url: "${plain.url}" }] }
  drained: { targets: [{ url: "${wsUp.url}" }] }
  down: { targets: [{ url: "${refusedUrl}" }] }
`);
  gw.engine.setDrained('drained', wsUp.url, true);
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([wsUp?.close(), refusing?.close(), plain?.close()]);
});

const wsUrl = (path: string) => gw.url.replace('http:', 'ws:') + path;

/** Opens a client and resolves with it and its first message (the greeting). */
function open(path: string, protocols?: string[]): Promise<{ ws: WebSocket; greeting: { hello: string; protocol: string } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(path), protocols, { maxPayload: 8 * 1024 * 1024 });
    ws.once('message', (data) => resolve({ ws, greeting: JSON.parse(String(data)) }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected ${res.statusCode}`)));
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary }));
    ws.once('error', reject);
  });
}

/** Attempts an upgrade that should be refused; resolves with the HTTP answer. */
function refused(path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(path));
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade unexpectedly succeeded'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        ws.terminate();
      });
    });
    ws.once('error', (e) => reject(e));
  });
}

describe('websocket proxying', () => {
  it('runs the route\'s policies on the upgrade request (async ones too): refusal or pass', async () => {
    const before = handshakes.length;
    const r = await refused('/guarded/chat');
    expect(r.status).toBe(403);
    expect(r.body).toBe('no upgrade for you');
    expect(handshakes.length).toBe(before);
    const { ws, greeting } = await new Promise<{ ws: WebSocket; greeting: { hello: string } }>((resolve, reject) => {
      const c = new WebSocket(wsUrl('/guarded/chat'), { headers: { 'x-token': 't' } });
      c.once('message', (data) => resolve({ ws: c, greeting: JSON.parse(String(data)) }));
      c.once('error', reject);
    });
    expect(greeting.hello).toBe('/chat');
    ws.close();
  });

  it('echoes text and binary messages, including 1 MB ones, through a rewritten path', async () => {
    const { ws, greeting } = await open('/ws/chat?room=1', ['chat.v2']);
    try {
      expect(greeting).toEqual({ hello: '/chat?room=1', protocol: 'chat.v2' });
      expect(ws.protocol).toBe('chat.v2');
      const hs = handshakes.at(-1)!;
      expect(hs.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(hs.headers['x-request-id']).toEqual(expect.any(String));

      ws.send('hello, upstream');
      expect(await nextMessage(ws)).toEqual({ data: Buffer.from('hello, upstream'), isBinary: false });

      const bin = Buffer.from([0, 1, 2, 255, 254, 0]);
      ws.send(bin);
      const b = await nextMessage(ws);
      expect(b.isBinary).toBe(true);
      expect(Buffer.compare(b.data, bin)).toBe(0);

      const big = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
      ws.send(big);
      const echoed = await nextMessage(ws);
      expect(echoed.data.length).toBe(big.length);
      expect(Buffer.compare(echoed.data, big)).toBe(0);

      const text = 'ü'.repeat(512 * 1024);
      ws.send(text);
      const t = await nextMessage(ws);
      expect(t.isBinary).toBe(false);
      expect(t.data.toString('utf8')).toBe(text);
    } finally {
      ws.close();
    }
  });

  it('closing the client closes the upstream side', async () => {
    const { ws } = await open('/ws/bye');
    const before = upstreamSockets;
    expect(before).toBeGreaterThan(0);
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000, 'done');
    });
    const deadline = Date.now() + 2000;
    while (upstreamSockets >= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(upstreamSockets).toBe(before - 1);
  });

  it('relays an upstream refusal: its status, headers and body', async () => {
    const r = await refused('/refusing');
    expect(r.status).toBe(403);
    expect(r.headers['x-why']).toBe('policy');
    expect(r.body).toBe('no way');
  });

  it('relays a normal answer from an upstream that does not speak WebSocket', async () => {
    const r = await refused('/plain');
    expect(r.status).toBe(426);
    expect(r.body).toBe('upgrade required elsewhere');
  });

  it('answers 503 with Retry-After when no target is healthy', async () => {
    const r = await refused('/drained');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBeDefined();
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(r.body)).toMatchObject({ status: 503, code: 'NO_HEALTHY_TARGET' });
  });

  it('answers 502 when the upstream cannot be reached', async () => {
    const r = await refused('/down');
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body)).toMatchObject({ status: 502 });
  });

  it('answers 404 for an upgrade no route matches, and serves fixed routes as usual', async () => {
    const r = await refused('/nowhere');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({ status: 404 });
    const f = await refused('/fixed');
    expect(f.status).toBe(200);
    expect(f.body).toBe('fixed');
  });
});

const ipv6 = await hasIpv6Loopback();

describe.runIf(ipv6)('websocket to an IPv6-literal target', () => {
  it('connects to [::1] (the URL\'s brackets are not part of the address)', async () => {
    const v6 = http.createServer((_req, res) => res.end());
    const wss = new WebSocketServer({ server: v6 });
    wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`v6:${String(data)}`)));
    await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
    const port = (v6.address() as { port: number }).port;
    const gw6 = await startGateway(`
version: 1
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes: [{ name: ws, match: { path: / }, upstream: v6 }]
upstreams: { v6: { targets: [{ url: "http://[::1]:${port}" }] } }
`);
    try {
      const ws = new WebSocket(gw6.url.replace('http:', 'ws:') + '/');
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected ${res.statusCode}`)));
      });
      ws.send('hi');
      expect(String((await nextMessage(ws)).data)).toBe('v6:hi');
      ws.close();
    } finally {
      await gw6.stop();
      wss.close();
      v6.closeAllConnections();
      await new Promise((resolve) => v6.close(resolve));
    }
  });
});
