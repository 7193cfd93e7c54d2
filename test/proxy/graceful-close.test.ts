/**
 * A graceful stop (Ctrl-C in `serve`) lets in-flight requests finish, and
 * then closes their connections: their responses must say `Connection: close`
 * rather than promise a keep-alive the gateway is about to break (a client
 * reusing the connection would send its next request into a closing socket).
 * Real engine, real upstream, raw clients, all on 127.0.0.1 port 0.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { sleep, waitFor } from '../helpers/gateway.js';
import { startServer, type Started } from '../helpers/upstreams.js';
import { startTlsGateway } from '../tls/rig.js';
import type http from 'node:http';

let upstream: Started<http.Server>;

beforeAll(async () => {
  upstream = await startServer((req, res) => {
    req.resume();
    setTimeout(() => res.end('slow'), 400);
  });
});

afterAll(async () => {
  await upstream?.close();
});

/** A gateway with one listener `web` (plain or TLS) routing everything to `upstreamUrl`. */
function startGatewayTo(scheme: 'http' | 'https', upstreamUrl: string) {
  const listener = scheme === 'https' ? '{ name: web, address: "127.0.0.1:0", tls: { certificates: local-ca } }' : '{ name: web, address: "127.0.0.1:0" }';
  return startTlsGateway(`
version: 1
listeners:
  - ${listener}
upstreams:
  up: { targets: [{ url: "${upstreamUrl}" }] }
routes:
  - { name: all, match: { path: / }, upstream: up }
`);
}

/** Sends one keep-alive request on `socket` and collects everything until the gateway closes it. */
function collect(socket: net.Socket | tls.TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('close', () => resolve(data));
    socket.on('error', () => undefined);
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  });
}

describe('graceful stop', () => {
  for (const scheme of ['http', 'https'] as const) {
    it(`an in-flight ${scheme} request finishes with Connection: close, not keep-alive`, async () => {
      const gw = await startGatewayTo(scheme, upstream.url);
      const port = gw.portOf('web');
      const socket =
        scheme === 'https' ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }) : net.connect(port, '127.0.0.1');
      const answer = collect(socket);
      await sleep(150); // the request is with the upstream
      const stopped = gw.engine.stop(5_000);
      const text = await answer;
      await stopped;
      await gw.stop().catch(() => undefined);
      expect(text).toMatch(/^HTTP\/1\.1 200/);
      expect(text.toLowerCase()).toContain('connection: close');
      expect(text.toLowerCase()).not.toContain('keep-alive');
      expect(text.endsWith('slow')).toBe(true);
    });
  }
});

/**
 * Open WebSockets do not hold a stop for its whole grace period and then get
 * cut (1006 in a browser): both sides get a Close with 1001 between two
 * frames, and the stop ends once they have answered. The grace period here is
 * a minute, so a stop that waited it out would time the test out.
 */
describe('graceful stop with open WebSockets', () => {
  let wsUp: Started<http.Server>;
  const upstreamSide: { messages: Buffer[]; closed: Promise<number> }[] = [];

  beforeAll(async () => {
    wsUp = await startServer((_req, res) => res.end('not a websocket'));
    const wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
    wsUp.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        const messages: Buffer[] = [];
        ws.on('message', (data: Buffer) => messages.push(data));
        upstreamSide.push({ messages, closed: new Promise((resolve) => ws.once('close', (code) => resolve(code))) });
      });
    });
  });
  afterAll(async () => {
    await wsUp?.close();
  });

  for (const scheme of ['http', 'https'] as const) {
    it(`closes ${scheme} WebSockets with 1001 on both sides and stops without waiting out the grace period`, async () => {
      const gw = await startGatewayTo(scheme, wsUp.url);
      const first = upstreamSide.length;
      const port = gw.portOf('web');
      const clients = [0, 1].map(() => new WebSocket(`${scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${port}/live`, { rejectUnauthorized: false }));
      const closes = clients.map((ws) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code))));
      await Promise.all(clients.map((ws) => new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))));
      for (const ws of clients) ws.send('before the stop');
      await waitFor(() => upstreamSide.slice(first).filter((u) => u.messages.length === 1).length === 2, 3000, 'messages upstream');

      await gw.engine.stop(60_000);
      expect(await Promise.all(closes)).toEqual([1001, 1001]);
      expect(await Promise.all(upstreamSide.slice(first).map((u) => u.closed))).toEqual([1001, 1001]);
      await gw.stop();
    });
  }

  for (const scheme of ['http', 'https'] as const) {
    it(`closes ${scheme} WebSockets with 1001 when a config change retires their listener, and serves new ones on its successor`, async () => {
      const gw = await startGatewayTo(scheme, wsUp.url);
      try {
        const first = upstreamSide.length;
        const port = gw.portOf('web');
        const url = `${scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${port}/live`;
        const ws = new WebSocket(url, { rejectUnauthorized: false });
        const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));

        // New limits rebind the listener (same port); the old one drains for 30 s, which its WebSocket must not wait out (nor be cut with 1006 after).
        const changed = scheme === 'https' ? 'tls: { certificates: local-ca }, ' : '';
        await gw.apply(`
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0", ${changed}limits: { maxHeaderSize: 64KB } }
upstreams:
  up: { targets: [{ url: "${wsUp.url}" }] }
routes:
  - { name: all, match: { path: / }, upstream: up }
`);
        expect(await closed).toBe(1001);
        expect(await upstreamSide[first].closed).toBe(1001);

        expect(gw.portOf('web')).toBe(port);
        const again = new WebSocket(url, { rejectUnauthorized: false });
        await new Promise((resolve, reject) => again.once('open', resolve).once('error', reject));
        const echoed = waitFor(() => upstreamSide.length === first + 2 && upstreamSide[first + 1].messages.length === 1, 3000, 'a message on the new listener');
        again.send('after the change');
        await echoed;
        again.close();
      } finally {
        await gw.stop();
      }
    });
  }

  it('lets a frame under way finish before the Close', async () => {
    const gw = await startGatewayTo('http', wsUp.url);
    const first = upstreamSide.length;
    const socket = net.connect(gw.portOf('web'), '127.0.0.1');
    let received = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    // One masked binary frame of 200,000 bytes. Its first half goes with the upgrade request (the
    // gateway holds it until the upstream accepts), the rest after the stop has begun.
    const payload = Buffer.alloc(200_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const key = Buffer.from([9, 8, 7, 6]);
    const head = Buffer.from([0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0]);
    head.writeUInt32BE(payload.length, 6);
    const frame = Buffer.concat([head, key, payload.map((b, i) => b ^ key[i % 4])]);
    socket.write(
      Buffer.concat([
        Buffer.from(
          'GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        ),
        frame.subarray(0, 100_000),
      ]),
    );
    await waitFor(() => received.includes('\r\n\r\n'), 3000, 'the 101');
    expect(received.toString('latin1')).toMatch(/^HTTP\/1\.1 101/);
    received = Buffer.alloc(0);
    await sleep(100);
    const stopped = gw.engine.stop(60_000);
    await sleep(100);
    socket.write(frame.subarray(100_000));

    // The upstream got the whole message, then the gateway's Close.
    const up = upstreamSide[first];
    expect(await up.closed).toBe(1001);
    expect(up.messages).toHaveLength(1);
    expect(up.messages[0].equals(payload)).toBe(true);
    // The client got a Close with 1001 (unmasked, as a server's): it answers, and the gateway hangs up.
    await waitFor(() => received.length >= 4, 3000, 'the Close');
    expect(received[0]).toBe(0x88);
    expect(received.readUInt16BE(2)).toBe(1001);
    socket.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe9]));
    await new Promise((resolve) => socket.once('close', resolve));
    await stopped;
    await gw.stop();
  });

  it('closes a WebSocket whose upgrade was still with the upstream when the stop began', async () => {
    const slow = await startServer((_req, res) => res.end());
    const wss = new WebSocketServer({ noServer: true });
    const upstreamClosed = new Promise<number>((resolve) => {
      slow.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        setTimeout(() => wss.handleUpgrade(req, socket, head, (ws) => ws.once('close', (code) => resolve(code))), 300);
      });
    });
    const gw = await startGatewayTo('http', slow.url);
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${gw.portOf('web')}/late`);
      const opened = new Promise((resolve) => ws.once('open', resolve));
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      await sleep(100);
      const stopped = gw.engine.stop(60_000);
      await opened;
      expect(await closed).toBe(1001);
      expect(await upstreamClosed).toBe(1001);
      await stopped;
    } finally {
      await gw.stop();
      await slow.close();
    }
  });
});
