/**
 * How HTTP/2 streams and sessions end on a TLS listener: a response the
 * upstream cuts short is reset with an error (never a clean end the client
 * would take for the whole body) and still completes its exchange; an idle
 * session is closed, one with a quiet open stream is not (node's default
 * would destroy it, stream and all, when the timeout fires). The idle cases
 * wait out the listener's 30 s floor, concurrently.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src-proxy/events.js';
import { startEcho, startTlsGateway, type Echo, type TlsGateway } from './rig.js';

const QUIET_MS = 34_000;

let echo: Echo;
let gw: TlsGateway;
let origin: string;
let ca: string;
const events: EngineEvent[] = [];

beforeAll(async () => {
  echo = await startEcho((req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url === '/cut') {
      // Chunked, then the connection dies mid-body.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(30_000, 'a'));
      setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      const timer = setTimeout(() => res.end('data: second\n\n'), QUIET_MS);
      res.once('close', () => clearTimeout(timer));
      return;
    }
    res.end(`echo ${req.url}`);
  });
  gw = await startTlsGateway(`
version: 1
listeners:
  - { name: secure, address: 127.0.0.1:0, tls: { certificates: local-ca }, http2: true, limits: { keepAliveTimeout: 1s } }
upstreams:
  app:
    targets: [{ url: ${echo.url} }]
routes:
  - { name: all, match: { path: / }, upstream: app }
`);
  gw.engine.events.on((e) => events.push(e));
  origin = `https://localhost:${gw.portOf('secure')}`;
  ca = await readFile((await gw.engine.certificates.localCa()).certPath, 'utf8');
});
afterAll(async () => {
  await gw?.stop();
  await echo?.close();
});

function connect(): http2.ClientHttp2Session {
  const session = http2.connect(origin, { ca });
  session.on('error', () => undefined);
  return session;
}

/** What became of one request: its body and whether it ended cleanly or was reset (with the code). */
function fetchStream(session: http2.ClientHttp2Session, path: string): Promise<{ text: string; ended: boolean; rstCode: number }> {
  return new Promise((resolve) => {
    const stream = session.request({ ':path': path });
    let text = '';
    let ended = false;
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (text += c));
    stream.on('end', () => (ended = true));
    stream.on('error', () => undefined);
    stream.on('close', () => resolve({ text, ended, rstCode: stream.rstCode ?? 0 }));
  });
}

describe.concurrent('HTTP/2 stream and session ends', () => {
  it('resets a response the upstream cut short with an error, and completes its exchange', async () => {
    const session = connect();
    const r = await fetchStream(session, '/cut');
    session.destroy();
    expect(r.ended).toBe(false);
    expect(r.rstCode).not.toBe(http2.constants.NGHTTP2_NO_ERROR);
    await expect.poll(() => events.find((e) => e.type === 'exchange.complete' && e.error?.code === 'UPSTREAM_RESET'), { timeout: 5000 }).toBeDefined();
  });

  it('closes an idle session', { timeout: 60_000 }, async () => {
    const session = connect();
    expect((await fetchStream(session, '/idle')).text).toBe('echo /idle');
    const closed = await new Promise<boolean>((resolve) => {
      session.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 45_000);
    });
    session.destroy();
    expect(closed).toBe(true);
  });

  it('keeps a session whose open stream is quiet for longer than the timeout', { timeout: 60_000 }, async () => {
    const session = connect();
    const r = await fetchStream(session, '/events');
    session.destroy();
    expect(r).toMatchObject({ text: 'data: first\n\ndata: second\n\n', ended: true });
  });
});
