/**
 * WebSocket proxying probed the way a demanding user would: raw handshakes
 * the client library would never send, upstreams that answer the upgrade
 * wrongly, clients that vanish mid-handshake, compressed, fragmented and huge
 * messages in capture, close codes both ways, and many sockets at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { sleep, startGateway, waitFor, type Gateway } from '../helpers/gateway.js';
import { startRawServer, startServer, type Started } from '../helpers/upstreams.js';
import { testCa, writePems } from '../tls/certs.js';

let gw: Gateway;
let wsUp: Started<http.Server>;
let holding: Started<http.Server>;
const servers: { close(): Promise<void> }[] = [];
const records: CapturedExchange[] = [];
/** Upstream sockets currently open on the echo server. */
let upstreamOpen = 0;
/** Close code/reason the echo server saw last. */
let lastUpstreamClose: { code: number; reason: string } | null = null;
/** Upgrade requests the holding server keeps unanswered: socket + whether it closed. */
const held: { socket: Duplex; closed: boolean; req: http.IncomingMessage }[] = [];
let pemDir = '';
/** Sockets the silent and stalling upstreams hold open. */
const rawSockets = new Set<net.Socket>();
const stallNoIdleSockets: net.Socket[] = [];
/** SNI names the wss:// upstream saw. */
const wssSni: (string | undefined)[] = [];

beforeAll(async () => {
  wsUp = await startServer((_req, res) => res.end('not a websocket'));
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 0 }, handleProtocols: (p) => [...p].at(-1) ?? false });
  wsUp.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      upstreamOpen++;
      ws.on('close', (code, reason) => {
        upstreamOpen--;
        lastUpstreamClose = { code, reason: reason.toString() };
      });
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? '' : String(data);
        if (text.startsWith('close-me:')) return ws.close(4001, text.slice(9));
        ws.send(data, { binary: isBinary });
      });
    });
  });
  // Never answers the upgrade by itself: the test decides.
  holding = await startServer((_req, res) => res.end());
  holding.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
    const h = { socket, closed: false, req };
    // Read it (a paused socket never sees its end); the gateway's FIN is an 'end' on this half-open socket.
    socket.on('end', () => (h.closed = true)).on('close', () => (h.closed = true));
    socket.resume();
    socket.on('error', () => undefined);
    held.push(h);
  });
  const noUpgradeHeader = await startRawServer((s) =>
    s.once('data', () => s.write('HTTP/1.1 101 Switching Protocols\r\nConnection: close\r\n\r\n')),
  );
  const ok200 = await startRawServer((s) =>
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nplain')),
  );
  const garbage = await startRawServer((s) => s.once('data', () => s.end('\x00\x01garbage that is not HTTP\r\n\r\n')));
  // Declines with fields that must not cross the gateway (hop-by-hop, named in Connection) and one a policy removes.
  const declining = await startRawServer((s) =>
    s.once('data', () =>
      s.write(
        'HTTP/1.1 403 Forbidden\r\nConnection: keep-alive, X-Internal\r\nX-Internal: secret-token\r\nKeep-Alive: timeout=60\r\nServer: internal-app-7\r\n' +
          'Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n6\r\ndenied\r\n0\r\n\r\n',
      ),
    ),
  );
  // Connected, then: no answer at all; a reset; a declining answer whose body stops after 7 of its 100 bytes.
  const keep = (s: net.Socket): net.Socket => {
    rawSockets.add(s);
    return s.on('error', () => undefined).on('close', () => rawSockets.delete(s));
  };
  const silent = await startRawServer((s) => keep(s).resume());
  const reset = await startRawServer((s) => s.once('data', () => s.resetAndDestroy()));
  const stall = await startRawServer((s) =>
    keep(s).once('data', () => s.write('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\npartial')),
  );
  const stallNoIdle = await startRawServer((s) => {
    stallNoIdleSockets.push(s);
    keep(s).once('data', () => s.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 100\r\n\r\npartial'));
  });
  // A wss:// upstream whose certificate (for ws.internal.test) comes from a private CA.
  const ca = await testCa();
  const leaf = await ca.issue(['ws.internal.test']);
  const pems = await writePems({ 'ca.pem': ca.certPem });
  pemDir = pems.dir;
  const secure = https.createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => res.end('not a websocket'));
  secure.on('secureConnection', (s: import('node:tls').TLSSocket) => wssSni.push((s as { servername?: string }).servername));
  const wssSecure = new WebSocketServer({ noServer: true });
  secure.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
    wssSecure.handleUpgrade(req, socket, head, (ws) => ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary }))),
  );
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  const securePort = (secure.address() as net.AddressInfo).port;
  servers.push(wsUp, holding, noUpgradeHeader, ok200, garbage, declining, silent, reset, stall, stallNoIdle, {
    close: () => new Promise<void>((r) => {
      secure.closeAllConnections();
      secure.close(() => r());
    }),
  });

  gw = await startGateway(`
version: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    limits: { headersTimeout: 300ms, keepAliveTimeout: 300ms }
  # Default timeouts: for the 50-sockets-at-once test, whose burst of handshakes may take a busy
  # machine longer than the 300 ms limits above (those have tests of their own).
  - name: roomy
    address: "127.0.0.1:0"
capture: { maxBodySize: 1KB }
routes:
  - { name: many-ws, match: { path: /many-ws }, upstream: manyWs }
  - { name: ws, match: { path: /ws }, upstream: ws }
  - { name: held, match: { path: /held }, upstream: holding }
  - { name: slow-held, match: { path: /slow-held }, policies: [slow], upstream: holding }
  - { name: no-upgrade, match: { path: /no-upgrade }, upstream: noUpgrade }
  - { name: ok200, match: { path: /ok200 }, upstream: ok200 }
  - { name: garbage, match: { path: /garbage }, upstream: garbage }
  - { name: declining, match: { path: /declining }, policies: [tidy], upstream: declining }
  - { name: silent, match: { path: /silent }, upstream: silent }
  - { name: reset, match: { path: /reset }, upstream: reset }
  - { name: stall, match: { path: /stall }, upstream: stall }
  - { name: stall-no-idle, match: { path: /no-idle }, upstream: stallNoIdle }
  - { name: wss, match: { path: /wss }, upstream: wss }
  - { name: wss-untrusted, match: { path: /untrusted }, upstream: wssUntrusted }
policies:
  slow: { type: fault, delay: 300ms }
  tidy: { type: headers, securityHeaders: true, response: { remove: [server] } }
upstreams:
  wss: { targets: [{ url: "https://127.0.0.1:${securePort}" }], tls: { ca: ["${pems['ca.pem']}"], servername: ws.internal.test } }
  wssUntrusted: { targets: [{ url: "https://127.0.0.1:${securePort}" }], tls: { servername: ws.internal.test } }
  ws: { targets: [{ url: "${wsUp.url}" }], timeouts: { connect: 300ms, response: 300ms, idle: 300ms } }
  manyWs: { targets: [{ url: "${wsUp.url}" }] }
  holding: { targets: [{ url: "${holding.url}" }] }
  noUpgrade: { targets: [{ url: "http://127.0.0.1:${noUpgradeHeader.port}" }] }
  ok200: { targets: [{ url: "http://127.0.0.1:${ok200.port}" }] }
  garbage: { targets: [{ url: "http://127.0.0.1:${garbage.port}" }] }
  declining: { targets: [{ url: "http://127.0.0.1:${declining.port}" }] }
  silent: { targets: [{ url: "http://127.0.0.1:${silent.port}" }], timeouts: { connect: 10s, response: 300ms, idle: 10s } }
  reset: { targets: [{ url: "http://127.0.0.1:${reset.port}" }] }
  stall: { targets: [{ url: "http://127.0.0.1:${stall.port}" }], timeouts: { connect: 10s, response: 10s, idle: 300ms } }
  stallNoIdle: { targets: [{ url: "http://127.0.0.1:${stallNoIdle.port}" }], timeouts: { idle: 1h } }
`);
  gw.engine.capture.add((r) => records.push(r));
});

afterAll(async () => {
  for (const s of rawSockets) s.destroy();
  await gw?.stop();
  await Promise.all(servers.map((s) => s.close()));
  if (pemDir) await rm(pemDir, { recursive: true, force: true });
});

const wsUrl = (path: string, listener?: string) => (listener ? gw.urlOf(listener) : gw.url).replace('http:', 'ws:') + path;

function openWs(path: string, opts: WebSocket.ClientOptions = {}, protocols?: string[], listener?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(path, listener), protocols, opts);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected ${res.statusCode}`)));
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** A raw client: sends the handshake text, resolves with the socket and the answer head (and any bytes after it). */
function rawUpgrade(path: string, headers: string[]): Promise<{ socket: net.Socket; head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(gw.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      resolve({ socket, head: buf.subarray(0, end).toString('latin1'), rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: gw.test\r\n${headers.map((h) => h + '\r\n').join('')}\r\n`);
  });
}

const WS_HEADERS = ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='];

/** A masked client frame. */
function frame(opcode: number, payload: Buffer, fin = true): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]));
  const len = payload.length;
  const head = len < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | len]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  return Buffer.concat([head, mask, masked]);
}

const recordFor = async (id: string): Promise<CapturedExchange> => {
  await waitFor(() => records.some((r) => r.requestId === id), 5000, `record ${id}`);
  return records.find((r) => r.requestId === id)!;
};

describe('websocket handshakes the gateway must relay or refuse', () => {
  it('relays the upstream 400 for a missing Sec-WebSocket-Key and for a wrong version', async () => {
    const missing = await rawUpgrade('/ws', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13']);
    expect(missing.head).toMatch(/^HTTP\/1\.1 400 /);
    missing.socket.destroy();
    const wrong = await rawUpgrade('/ws', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 7', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']);
    expect(wrong.head).toMatch(/^HTTP\/1\.1 400 /);
    wrong.socket.destroy();
  });

  it('relays subprotocol and extension negotiation exactly as the upstream answered', async () => {
    const r = await rawUpgrade('/ws', [...WS_HEADERS, 'Sec-WebSocket-Protocol: a.v1, b.v2', 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits']);
    try {
      expect(r.head).toMatch(/^HTTP\/1\.1 101 /);
      const accept = createHash('sha1').update('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      expect(r.head).toContain(`Sec-WebSocket-Accept: ${accept}`);
      expect(r.head).toContain('Sec-WebSocket-Protocol: b.v2');
      expect(r.head).toMatch(/Sec-WebSocket-Extensions: permessage-deflate/);
    } finally {
      r.socket.destroy();
    }
  });

  it('relays an upstream 200 and a bare 101, and answers garbage with 502, never a hang', async () => {
    const plain = await rawUpgrade('/ok200', WS_HEADERS);
    expect(plain.head).toMatch(/^HTTP\/1\.1 200 /);
    plain.socket.destroy();
    const junk = await rawUpgrade('/garbage', WS_HEADERS);
    expect(junk.head).toMatch(/^HTTP\/1\.1 502 /);
    junk.socket.destroy();
    const bare = await rawUpgrade('/no-upgrade', WS_HEADERS);
    // Relayed as the upstream sent it (as nginx does): the client's own handshake check refuses it.
    expect(bare.head).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(bare.head).not.toMatch(/\r\nupgrade:/i);
    // The connection switched to nothing: the gateway closes it.
    bare.socket.resume();
    await waitFor(() => bare.socket.readableEnded || bare.socket.destroyed, 3000, 'the gateway to close the bare 101');
    bare.socket.destroy();
  });
});

describe('upstreams that answer an upgrade slowly or badly', () => {
  /** Everything the gateway sends until it closes the connection (or 5 s pass). */
  function untilClosed(path: string, id: string): Promise<{ text: string; ms: number }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = net.connect(gw.port, '127.0.0.1');
      let text = '';
      const done = () => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ text, ms: Date.now() - started });
      };
      const timer = setTimeout(done, 5000);
      socket.on('data', (c: Buffer) => (text += c.toString('latin1'))).on('close', done).on('error', done);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: gw.test\r\nX-Request-Id: ${id}\r\n${WS_HEADERS.map((h) => h + '\r\n').join('')}\r\n`);
    });
  }
  const problem = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { status: number; code: string };

  it('relays a declining answer like any response: response policies apply, hop-by-hop fields do not cross, the connection closes', async () => {
    const { text } = await untilClosed('/declining', 'declined-1');
    const [head, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)];
    const fields = head.split('\r\n').slice(1).map((l) => l.toLowerCase());
    expect(head).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(fields).toContain('connection: close');
    expect(fields).toContain('x-request-id: declined-1');
    expect(fields).toContain('x-content-type-options: nosniff');
    expect(fields.filter((f) => /^(x-internal|keep-alive|server):/.test(f))).toEqual([]);
    expect(body).toContain('denied');
    await waitFor(() => records.some((r) => r.requestId === 'declined-1'), 2000, 'the declined exchange captured');
    const record = records.find((r) => r.requestId === 'declined-1')!;
    expect(record.status).toBe(403);
    expect(Buffer.from(record.responseBody.bytes!).toString()).toBe('denied');
    expect(record.responseHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase())).not.toContain('x-internal');
  });

  it('answers 504 UPSTREAM_TIMEOUT when a connected upstream never answers, after the response timeout (not the connect one)', async () => {
    const r = await untilClosed('/silent', 'up-silent');
    expect(r.text).toMatch(/^HTTP\/1\.1 504 /);
    expect(problem(r.text)).toMatchObject({ status: 504, code: 'UPSTREAM_TIMEOUT' });
    expect(r.ms).toBeGreaterThanOrEqual(280);
    expect(r.ms).toBeLessThan(4000);
    expect((await recordFor('up-silent')).error?.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('tells a reset and an answer that is not HTTP apart from a failed connect', async () => {
    expect(problem((await untilClosed('/reset', 'up-reset')).text)).toMatchObject({ status: 502, code: 'UPSTREAM_RESET' });
    expect(problem((await untilClosed('/garbage', 'up-garbage')).text)).toMatchObject({ status: 502, code: 'UPSTREAM_BAD_RESPONSE' });
    expect((await recordFor('up-garbage')).error?.code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('cuts a declining answer whose body stalls, after the idle timeout, and records why', async () => {
    const r = await untilClosed('/stall', 'up-stall');
    expect(r.text).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(r.text.endsWith('\r\n\r\npartial')).toBe(true);
    expect(r.ms).toBeGreaterThanOrEqual(280);
    expect(r.ms).toBeLessThan(4000);
    const rec = await recordFor('up-stall');
    expect(rec).toMatchObject({ status: 403, error: { code: 'UPSTREAM_TIMEOUT' } });
    expect(Buffer.from(rec.responseBody.bytes!).toString()).toBe('partial');
  });

  it('with a long idle timeout waits for a stalled declining answer, and lets the upstream go when the client leaves', async () => {
    const socket = net.connect(gw.port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1'))).on('error', () => undefined);
    socket.write(`GET /no-idle HTTP/1.1\r\nHost: gw.test\r\nX-Request-Id: up-no-idle\r\n${WS_HEADERS.map((h) => h + '\r\n').join('')}\r\n`);
    await waitFor(() => text.endsWith('partial'), 3000, 'the partial answer');
    await sleep(400);
    expect(socket.destroyed).toBe(false);
    const upstream = stallNoIdleSockets.at(-1)!;
    expect(upstream.destroyed).toBe(false);
    socket.destroy();
    await waitFor(() => upstream.destroyed, 3000, 'the upstream socket closed after the client left');
  });
});

describe('wss:// upstreams', () => {
  it('verifies a wss:// upstream with the upstream\'s tls settings (extra CA, servername as SNI)', async () => {
    const before = wssSni.length;
    const ws = await openWs('/wss', { headers: { host: 'public.example.test' } });
    const echoed = new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
    ws.send('over tls');
    expect(await echoed).toBe('over tls');
    expect(wssSni.slice(before)).toEqual(['ws.internal.test']);
    ws.close();
  });

  it('refuses an untrusted wss:// upstream with a 502 UPSTREAM_TLS_FAILED that says why', async () => {
    const r = await rawUpgrade('/untrusted', WS_HEADERS);
    r.socket.destroy();
    expect(r.head).toMatch(/^HTTP\/1\.1 502 /);
    const body = JSON.parse(r.rest.toString().trim() || '{}') as { code?: string; detail?: string };
    expect(body.code).toBe('UPSTREAM_TLS_FAILED');
    expect(body.detail).toMatch(/unknown CA|self-signed/);
  });
});

describe('websocket lifetime', () => {
  it('a client that vanishes before the upstream answers the upgrade closes the upstream side and is captured once', async () => {
    const before = held.length;
    const socket = net.connect(gw.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`GET /held HTTP/1.1\r\nHost: gw.test\r\nX-Request-Id: ws-vanish\r\n${WS_HEADERS.map((h) => h + '\r\n').join('')}\r\n`);
    await waitFor(() => held.length > before, 3000, 'upgrade at the upstream');
    const h = held[before];
    socket.destroy();
    // The upstream's half of a connection nobody will ever use must not stay open.
    await waitFor(() => h.closed, 3000, 'upstream socket closed');
    const statusOf = () => gw.engine.upstreamStatus().holding[0].inflight;
    await waitFor(() => statusOf() === 0, 3000, 'target released');
    await recordFor('ws-vanish');
    expect(records.filter((r) => r.requestId === 'ws-vanish')).toHaveLength(1);
  });

  it('a client reset while the route\'s policies run never reaches the upstream, and is captured once', async () => {
    const before = held.length;
    const socket = net.connect(gw.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`GET /slow-held HTTP/1.1\r\nHost: gw.test\r\nX-Request-Id: ws-reset\r\n${WS_HEADERS.map((h) => h + '\r\n').join('')}\r\n`);
    await new Promise((r) => setTimeout(r, 50));
    socket.resetAndDestroy();
    const x = await recordFor('ws-reset');
    expect(x.aborted).toBe(true);
    // Whatever reached the upstream (nothing, with the fix) is closed again and the target released.
    await waitFor(() => held.slice(before).every((h) => h.closed), 3000, 'no upstream socket left open');
    expect(gw.engine.upstreamStatus().holding[0].inflight).toBe(0);
    expect(records.filter((r) => r.requestId === 'ws-reset')).toHaveLength(1);
  });

  it('passes on bytes a client sends while the upstream is still deciding, after its 101', async () => {
    const before = held.length;
    const socket = net.connect(gw.port, '127.0.0.1');
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.write(`GET /held HTTP/1.1\r\nHost: gw.test\r\n${WS_HEADERS.map((h) => h + '\r\n').join('')}\r\n`);
    await waitFor(() => held.length > before, 3000, 'upgrade at the upstream');
    const h = held[before];
    const early = frame(1, Buffer.from('sent early'));
    socket.write(early);
    // Give the gateway the chance to read them before the upstream answers (they must be kept, not lost).
    await new Promise((r) => setTimeout(r, 100));
    const atUpstream: Buffer[] = [];
    h.socket.on('data', (c: Buffer) => atUpstream.push(c));
    h.socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    await waitFor(() => Buffer.concat(atUpstream).length >= early.length, 3000, 'early frame at the upstream');
    expect(Buffer.concat(atUpstream).equals(early)).toBe(true);
    await waitFor(() => Buffer.concat(got).toString('latin1').startsWith('HTTP/1.1 101'), 3000, '101 at the client');
    socket.destroy();
    await waitFor(() => h.closed, 3000, 'upstream closed');
  });

  it('a client that disconnects abruptly after the upgrade closes the upstream, releases the target, one record', async () => {
    const ws = await openWs('/ws', { headers: { 'x-request-id': 'ws-abrupt' } });
    await waitFor(() => upstreamOpen === 1, 3000, 'upstream open');
    ws.terminate();
    await waitFor(() => upstreamOpen === 0, 3000, 'upstream closed');
    await recordFor('ws-abrupt');
    await new Promise((r) => setTimeout(r, 50));
    expect(records.filter((r) => r.requestId === 'ws-abrupt')).toHaveLength(1);
    expect(gw.engine.upstreamStatus().ws[0].inflight).toBe(0);
  });

  it('passes close codes and reasons both ways', async () => {
    const a = await openWs('/ws', { headers: { 'x-request-id': 'ws-close-a' } });
    const done = closed(a);
    a.close(4000, 'client says bye');
    await done;
    await waitFor(() => lastUpstreamClose?.code === 4000, 3000, 'upstream saw close');
    expect(lastUpstreamClose).toEqual({ code: 4000, reason: 'client says bye' });

    const b = await openWs('/ws');
    const bDone = closed(b);
    b.send('close-me:upstream says bye');
    expect(await bDone).toEqual({ code: 4001, reason: 'upstream says bye' });
  });

  it('keeps a quiet WebSocket open past every listener and upstream timeout', async () => {
    const ws = await openWs('/ws');
    const gone = closed(ws);
    let isGone = false;
    void gone.then(() => (isGone = true));
    // headersTimeout, keepAliveTimeout and all upstream timeouts are 300 ms here.
    await new Promise((r) => setTimeout(r, 1500));
    expect(isGone).toBe(false);
    const echoed = new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
    ws.send('still here');
    expect(await echoed).toBe('still here');
    ws.close();
    await gone;
  });

  it('closes 50 concurrent WebSockets without leaking upstream sockets or in-flight counts', async () => {
    // Its own listener, route and upstream, without the 300 ms timeouts of /ws: 50 handshakes at
    // once on a loaded machine can take longer than that, and timeouts are not what this tests.
    const sockets = await Promise.all(Array.from({ length: 50 }, () => openWs('/many-ws', {}, undefined, 'roomy')));
    await waitFor(() => upstreamOpen === 50, 10_000, '50 upstream sockets');
    expect(gw.engine.upstreamStatus().manyWs[0].inflight).toBe(50);
    await Promise.all(
      sockets.map((ws, i) => {
        const c = closed(ws);
        if (i % 2 === 0) ws.close();
        else ws.terminate();
        return c;
      }),
    );
    await waitFor(() => upstreamOpen === 0, 10_000, 'upstream sockets closed');
    await waitFor(() => gw.engine.upstreamStatus().manyWs[0].inflight === 0, 10_000, 'in-flight back to 0');
  });
});

describe('websocket capture', () => {
  /** Sends each text, checks the echo, closes, and gives the record. */
  async function echoThenRecord(ws: WebSocket, texts: string[], id: string): Promise<CapturedExchange> {
    for (const text of texts) {
      const echoed = new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
      ws.send(text);
      expect(await echoed).toBe(text);
    }
    const done = closed(ws);
    ws.close();
    await done;
    return recordFor(id);
  }

  it('stores permessage-deflate messages decoded (with their wire size), and masks a JWT even where only the compression context holds it', async () => {
    const ws = await openWs('/ws', { headers: { 'x-request-id': 'ws-deflate' }, perMessageDeflate: { threshold: 0 } });
    expect(ws.extensions).toContain('permessage-deflate');
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';
    const sent = ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', `{"type":"connection_init","payload":{"token":"${jwt}"}}`, `{"type":"connection_init","payload":{"token":"${jwt}"}}!`];
    const x = await echoThenRecord(ws, sent, 'ws-deflate');
    const texts = x.websocket!.filter((m) => m.opcode === 'text');
    expect(texts.map((m) => m.direction)).toEqual(['client', 'upstream', 'client', 'upstream', 'client', 'upstream']);
    const masked = sent.map((t) => t.replace(jwt, '[masked-jwt]'));
    expect(texts.map((m) => Buffer.from(m.data).toString())).toEqual([masked[0], masked[0], masked[1], masked[1], masked[2], masked[2]]);
    for (const m of texts) expect(m).toMatchObject({ inflated: true, truncated: false });
    expect(texts[0].size).toBeLessThan(48);
    // The repeat is a back-reference into the message before: a few bytes on the wire.
    expect(texts[4].size).toBeLessThan(20);
  });

  it('keeps decoding after a compressed message longer than the capture cap (1 KB here), whose end later messages refer to', async () => {
    const ws = await openWs('/ws', { headers: { 'x-request-id': 'ws-deflate-long' }, perMessageDeflate: { threshold: 0 } });
    const long = randomBytes(3000).toString('hex');
    const sent = [long, `${long.slice(-200)}!`, 'short'];
    const x = await echoThenRecord(ws, sent, 'ws-deflate-long');
    const client = x.websocket!.filter((m) => m.direction === 'client' && m.opcode === 'text');
    expect(client[0]).toMatchObject({ inflated: true, truncated: true });
    expect(client[0].size).toBeGreaterThan(1024);
    expect(Buffer.from(client[0].data).toString()).toBe(long.slice(0, 1024));
    expect(client.slice(1).map((m) => Buffer.from(m.data).toString())).toEqual(sent.slice(1));
    expect(client[1].size).toBeLessThan(20);
  });

  it('joins a fragmented message around interleaved ping/pong, and caps a huge one with its true size', async () => {
    const r = await rawUpgrade('/ws', [...WS_HEADERS, 'X-Request-Id: ws-frag']);
    expect(r.head).toMatch(/^HTTP\/1\.1 101 /);
    const got: Buffer[] = [r.rest];
    r.socket.on('data', (c: Buffer) => got.push(c));
    r.socket.write(
      Buffer.concat([
        frame(1, Buffer.from('hel'), false),
        frame(9, Buffer.from('ping!')),
        frame(0, Buffer.from('lo '), false),
        frame(0, Buffer.from('world')),
      ]),
    );
    const big = Buffer.alloc(5000, 0x61);
    r.socket.write(frame(2, big));
    const closePayload = Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from('done')]);
    r.socket.write(frame(8, closePayload));
    await new Promise<void>((res) => r.socket.once('close', () => res()));
    const x = await recordFor('ws-frag');
    const client = x.websocket!.filter((m) => m.direction === 'client');
    expect(client.map((m) => m.opcode)).toEqual(['ping', 'text', 'binary', 'close']);
    expect(Buffer.from(client[0].data).toString()).toBe('ping!');
    expect(Buffer.from(client[1].data).toString()).toBe('hello world');
    expect(client[2]).toMatchObject({ size: 5000, truncated: true });
    expect(client[2].data.length).toBe(1024);
    expect(Buffer.from(client[3].data).equals(closePayload)).toBe(true);
    const upstream = x.websocket!.filter((m) => m.direction === 'upstream');
    expect(upstream.map((m) => m.opcode)).toEqual(['pong', 'text', 'binary', 'close']);
    expect(upstream[2]).toMatchObject({ size: 5000, truncated: true });
  });
});
