/**
 * TLS listener behaviour: bad input, certificate files chosen by SNI and
 * reloaded, HTTP→HTTPS redirects, rebinding on a TLS change, and what events
 * and capture learn about the TLS connection.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { Agent, request } from 'undici';
import WebSocket, { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import type { EngineEvent } from '../../src-proxy/events.js';
import { rawRequest, waitFor } from '../helpers/gateway.js';
import { testCa, writePems, type TestCa } from './certs.js';
import { startEcho, startTlsGateway, tlsWorkspace, type Echo } from './rig.js';

let echo: Echo;
let ca: TestCa;
beforeAll(async () => {
  echo = await startEcho();
  ca = await testCa();
});
afterAll(async () => {
  await echo?.close();
});

/** The leaf certificate presented for `servername` (no verification: we inspect it). */
function presented(port: number, servername?: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}

async function httpsStatus(port: number, caPem: string, path = '/'): Promise<number> {
  const dispatcher = new Agent({ connect: { ca: caPem } });
  try {
    const res = await request(`https://localhost:${port}${path}`, { dispatcher });
    await res.body.text();
    return res.statusCode;
  } finally {
    await dispatcher.close();
  }
}

describe('bad input', () => {
  it('answers plain HTTP on a TLS port with a plaintext 400, closes a truncated handshake, and keeps serving', async () => {
    const gw = await startTlsGateway(tlsWorkspace(echo.url));
    try {
      const port = gw.portOf('secure');
      const caPem = (await gw.engine.certificates.localCa()).certificatePem();
      const plain = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
      expect(plain.status).toBe(400);
      expect(plain.text).toContain('https://');
      expect(plain.closedByPeer).toBe(true);

      // The first bytes of a ClientHello record, then silence and a close.
      const truncated = await rawRequest(port, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]), { endAfterWrite: true, timeoutMs: 3000 });
      expect(truncated.closedByPeer).toBe(true);
      expect(truncated.status).toBe(0);

      const garbage = await rawRequest(port, Buffer.from([0x00, 0x01, 0x02, 0x03]), { timeoutMs: 3000 });
      expect(garbage.closedByPeer).toBe(true);
      expect(garbage.data.length).toBe(0);

      expect(await httpsStatus(port, caPem)).toBe(200);
    } finally {
      await gw.stop();
    }
  });

  it('closes a TLS ClientHello sent to a plain port, which keeps serving', async () => {
    const gw = await startTlsGateway(`
version: 1
listeners:
  - { name: web, address: 127.0.0.1:0 }
upstreams: { app: { targets: [{ url: ${echo.url} }] } }
routes: [{ name: all, match: { path: / }, upstream: app }]
`);
    try {
      const port = gw.portOf('web');
      const err = await new Promise<Error>((resolve) => {
        const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false }, () => resolve(new Error('handshake succeeded')));
        s.on('error', resolve);
      });
      expect(err.message).not.toBe('handshake succeeded');
      const res = await request(`http://127.0.0.1:${port}/`);
      expect(res.statusCode).toBe(200);
      await res.body.text();
    } finally {
      await gw.stop();
    }
  });
});

describe('certificate files', () => {
  it('chooses by SNI with wildcards, defaults to the first pair, and reloads changed files (keeping the old on broken ones)', async () => {
    const a = await ca.issue(['default.test']);
    const b = await ca.issue(['*.apps.test']);
    const files = await writePems({ 'a.pem': a.cert, 'a.key': a.key, 'b.pem': b.cert, 'b.key': b.key });
    const gw = await startTlsGateway(
      tlsWorkspace(echo.url, {
        tls: `      certificates:\n        - { cert: ${files['a.pem']}, key: ${files['a.key']} }\n        - { cert: ${files['b.pem']}, key: ${files['b.key']} }`,
      }),
    );
    try {
      const port = gw.portOf('secure');
      expect((await presented(port, 'shop.apps.test')).subject.CN).toBe('*.apps.test');
      expect((await presented(port, 'deep.shop.apps.test')).subject.CN).toBe('default.test');
      expect((await presented(port, 'unknown.test')).subject.CN).toBe('default.test');
      expect((await presented(port)).subject.CN).toBe('default.test');

      // A broken file is ignored: the old certificate keeps being served.
      await writeFile(files['a.pem'], '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n');
      await new Promise((r) => setTimeout(r, 2500));
      expect((await presented(port)).subject.CN).toBe('default.test');

      // A valid replacement is picked up without a restart.
      const renewed = await ca.issue(['renewed.test']);
      await writeFile(files['a.key'], renewed.key);
      await writeFile(files['a.pem'], renewed.cert);
      let cn = '';
      const deadline = Date.now() + 8000;
      while (Date.now() < deadline && cn !== 'renewed.test') {
        cn = String((await presented(port, 'unknown.test')).subject.CN);
        if (cn !== 'renewed.test') await new Promise((r) => setTimeout(r, 200));
      }
      expect(cn).toBe('renewed.test');
    } finally {
      await gw.stop();
      await rm(files.dir, { recursive: true, force: true });
    }
  }, 20_000);

  it('refuses to apply unreadable certificate files', async () => {
    await expect(
      startTlsGateway(tlsWorkspace(echo.url, { tls: '      certificates: [{ cert: /nonexistent/x.pem, key: /nonexistent/x.key }]' })),
    ).rejects.toThrow(/Cannot read TLS certificate files/);
  });
});

describe('redirects and re-apply', () => {
  it('redirects a plain listener to the TLS listener with the same host and path', async () => {
    const gw = await startTlsGateway(tlsWorkspace(echo.url, { extraListeners: '  - { name: web, address: 127.0.0.1:0, redirectTo: secure }' }));
    try {
      const tlsPort = gw.portOf('secure');
      const get = await request(`http://127.0.0.1:${gw.portOf('web')}/a/b?c=1`, { headers: { host: 'api.localhost' } });
      expect(get.statusCode).toBe(301);
      expect(get.headers.location).toBe(`https://api.localhost:${tlsPort}/a/b?c=1`);
      const post = await request(`http://127.0.0.1:${gw.portOf('web')}/form`, { method: 'POST', body: 'x', headers: { host: 'api.localhost:8080' } });
      expect(post.statusCode).toBe(308);
      expect(post.headers.location).toBe(`https://api.localhost:${tlsPort}/form`);
      // No Host: nowhere to redirect to, a 400 problem.
      const noHost = await rawRequest(gw.portOf('web'), 'GET /a HTTP/1.0\r\n\r\n');
      expect(noHost.status).toBe(400);
      expect(noHost.text).toContain('application/problem+json');
    } finally {
      await gw.stop();
    }
  });

  it('rebinds when the TLS settings change (local CA → files) and keeps the socket otherwise', async () => {
    const files = await writePems(await ca.issue(['files.test']).then((p) => ({ 'f.pem': p.cert, 'f.key': p.key })));
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const yaml = (tlsBlock?: string) => tlsWorkspace(echo.url, { tls: tlsBlock }).replace('127.0.0.1:0', `127.0.0.1:${port}`);
    const gw = await startTlsGateway(yaml());
    try {
      expect((await presented(port, 'x.localhost')).subject.CN).toBe('x.localhost');
      await gw.apply(yaml());
      expect((await presented(port, 'x.localhost')).subject.CN).toBe('x.localhost');
      await gw.apply(yaml(`      certificates: [{ cert: ${files['f.pem']}, key: ${files['f.key']} }]`));
      expect((await presented(port, 'x.localhost')).subject.CN).toBe('files.test');
    } finally {
      await gw.stop();
      await rm(files.dir, { recursive: true, force: true });
    }
  });
});

describe('events and capture', () => {
  it('record the scheme, TLS version, SNI, ALPN and the handshake time of the first request', async () => {
    const gw = await startTlsGateway(tlsWorkspace(echo.url));
    const events: EngineEvent[] = [];
    const records: CapturedExchange[] = [];
    const offEvents = gw.engine.events.on((e) => events.push(e));
    const offCapture = gw.engine.capture.add((r) => records.push(r));
    try {
      const caPem = await readFile((await gw.engine.certificates.localCa()).certPath, 'utf8');
      const dispatcher = new Agent({ connect: { ca: caPem }, allowH2: true });
      for (const path of ['/first', '/second']) {
        const res = await request(`https://localhost:${gw.portOf('secure')}${path}`, { dispatcher });
        await res.body.text();
      }
      await dispatcher.close();
      await waitFor(() => records.length === 2, 3000, 'two records');
      const start = events.find((e) => e.type === 'exchange.start');
      expect(start).toMatchObject({ scheme: 'https', tls: { version: 'TLSv1.3', sni: 'localhost', alpn: 'h2' }, httpVersion: '2.0' });
      expect(records[0]).toMatchObject({ scheme: 'https', tls: { version: 'TLSv1.3', sni: 'localhost', alpn: 'h2' } });
      expect(records[0].timings.tls).toBeGreaterThan(0);
      expect(records[1].timings.tls).toBeUndefined();
    } finally {
      offEvents();
      offCapture();
      await gw.stop();
    }
  });
});

describe('WebSockets on a TLS + HTTP/2 listener', () => {
  it('upgrades HTTP/1.1 connections (wss://) and relays frames', async () => {
    const server = http.createServer((_q, r) => r.end('no'));
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (d) => ws.send(`echo:${String(d)}`))),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const upPort = (server.address() as net.AddressInfo).port;
    const gw = await startTlsGateway(tlsWorkspace(`http://127.0.0.1:${upPort}`));
    try {
      const ca = (await gw.engine.certificates.localCa()).certificatePem();
      const ws = new WebSocket(`wss://localhost:${gw.portOf('secure')}/socket`, { ca });
      const reply = await new Promise<string>((resolve, reject) => {
        ws.once('open', () => ws.send('hi'));
        ws.once('message', (d) => resolve(String(d)));
        ws.once('error', reject);
      });
      expect(reply).toBe('echo:hi');
      ws.close();
    } finally {
      await gw.stop();
      server.closeAllConnections();
      server.close();
    }
  });
});
