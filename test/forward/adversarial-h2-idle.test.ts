/**
 * HTTP/2 sessions inside an intercepted tunnel: an idle one is closed, as on
 * TLS listeners (after the keep-alive timeout, at least 30 s), instead of
 * holding its tunnel open for as long as the client likes; one with a quiet
 * open stream (an event stream between events) is left alone. Their own file,
 * run concurrently: each waits out the 30 s.
 */
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTRA_CA_ENV } from '../../src-proxy/forward/origin-trust.js';
import { makeOriginPki, startProxy, type OriginPki, type ProxyRig } from './rig.js';

const QUIET_MS = 34_000;

let pki: OriginPki;
let origin: https.Server;
let port: number;
let rig: ProxyRig;
let ca: string;

beforeAll(async () => {
  pki = await makeOriginPki();
  // /events sends one event, stays quiet past the proxy's 30 s, then a second and ends.
  origin = https.createServer({ cert: readFileSync(pki.certPath), key: readFileSync(pki.keyPath) }, (req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      const timer = setTimeout(() => res.end('data: second\n\n'), QUIET_MS);
      res.once('close', () => clearTimeout(timer));
      return;
    }
    res.end(`origin ${req.url}`);
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  port = (origin.address() as AddressInfo).port;
  process.env[EXTRA_CA_ENV] = pki.caPath;
  rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward, connectPorts: [${port}], intercept: [localhost], limits: { keepAliveTimeout: 1s } }
`);
  ca = readFileSync((await rig.engine.certificates.localCa()).certPath, 'utf8');
});
afterAll(async () => {
  await rig.close();
  delete process.env[EXTRA_CA_ENV];
  origin.closeAllConnections();
  await new Promise((r) => origin.close(r));
  rmSync(pki.dir, { recursive: true, force: true });
});

async function h2ThroughTunnel(): Promise<http2.ClientHttp2Session> {
  const tunnel = await new Promise<Socket>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: rig.portOf('egress'), method: 'CONNECT', path: `localhost:${port}` });
    req.once('connect', (res, socket: Socket) => (res.statusCode === 200 ? resolve(socket) : reject(new Error(`CONNECT ${res.statusCode}`))));
    req.once('error', reject);
    req.end();
  });
  const session = http2.connect(`https://localhost:${port}`, {
    createConnection: () => tls.connect({ socket: tunnel, servername: 'localhost', ca, ALPNProtocols: ['h2'] }),
  });
  session.on('error', () => undefined);
  return session;
}

function closedWithin(session: http2.ClientHttp2Session, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    session.once('close', () => resolve(true));
    setTimeout(() => resolve(false), ms);
  });
}

describe.concurrent('h2 sessions in intercepted tunnels', () => {
  it('closes an idle session', { timeout: 60_000 }, async () => {
    const session = await h2ThroughTunnel();
    const body = await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ':path': '/h2-idle' });
      let text = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (text += c));
      stream.once('end', () => resolve(text));
      stream.once('error', reject);
    });
    expect(body).toBe('origin /h2-idle');
    // Now idle: the proxy must end the session (GOAWAY / close) on its own.
    const closed = await closedWithin(session, 45_000);
    session.destroy();
    expect(closed).toBe(true);
  });

  it('keeps a session whose open stream is quiet for longer than that', { timeout: 60_000 }, async () => {
    const session = await h2ThroughTunnel();
    const events = await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ':path': '/events' });
      let text = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (text += c));
      stream.once('end', () => resolve(text));
      stream.once('error', reject);
      stream.once('close', () => resolve(`closed early: ${text}`));
    });
    session.destroy();
    expect(events).toBe('data: first\n\ndata: second\n\n');
  });
});
