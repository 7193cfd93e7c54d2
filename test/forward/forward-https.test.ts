/**
 * Forward mode over CONNECT: blind tunnels (the client sees the origin's own
 * certificate), interception with the local CA (the client sees a leaf issued
 * by "Switchyard Local CA" and the exchange is captured decrypted), a
 * WebSocket inside an intercepted tunnel, chaining through a parent, and
 * CONNECT requests that are refused while the listener keeps serving.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EngineEvent } from '../../src-proxy/events.js';
import { EXTRA_CA_ENV } from '../../src-proxy/forward/origin-trust.js';
import { rawRequest } from '../helpers/gateway.js';
import { curl, freePort, makeOriginPki, startHttpsOrigin, startProxy, type Origin, type OriginPki, type ProxyRig } from './rig.js';

let pki: OriginPki;
let origin: Origin;
let rig: ProxyRig | null = null;

beforeAll(async () => {
  pki = await makeOriginPki();
  origin = await startHttpsOrigin(pki);
  // The proxy verifies origins; this origin's private CA is trusted the way a user would add one.
  process.env[EXTRA_CA_ENV] = pki.caPath;
});
afterAll(async () => {
  delete process.env[EXTRA_CA_ENV];
  await origin.close();
  rmSync(pki.dir, { recursive: true, force: true });
});
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const yaml = (extra = '') => `version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward, connectPorts: [ORIGIN], intercept: ["localhost", "*.example.test"]${extra} }
`;
const config = (extra = '') => yaml(extra).replace('ORIGIN', String(origin.port));

/** Opens a CONNECT tunnel through the proxy and starts TLS in it; resolves with the peer certificate. */
function tlsThroughProxy(proxyPort: number, host: string, port: number, ca: string): Promise<{ socket: tls.TLSSocket; cert: tls.PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: `${host}:${port}` });
    req.on('connect', (res, socket: Socket) => {
      if (res.statusCode !== 200) return reject(new Error(`CONNECT answered ${res.statusCode}`));
      const t = tls.connect({ socket, servername: host === '127.0.0.1' ? undefined : host, ca });
      t.once('secureConnect', () => resolve({ socket: t, cert: t.getPeerCertificate() }));
      t.once('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('forward proxy: CONNECT', () => {
  it('tunnels blind by default: the client sees the origin certificate and nothing is decrypted', async () => {
    rig = await startProxy(config());
    const proxy = `http://127.0.0.1:${rig.portOf('egress')}`;
    // 127.0.0.1 does not match the intercept patterns.
    const r = await curl(['-x', proxy, '--cacert', pki.caPath, '-v', `https://127.0.0.1:${origin.port}/blind`]);
    expect(r.stdout).toBe('tls-origin GET /blind body=');
    expect(r.stderr).toMatch(/issuer: CN=Forward Test Origin CA/);
    const { socket, cert } = await tlsThroughProxy(rig.portOf('egress'), '127.0.0.1', origin.port, readFileSync(pki.caPath, 'utf8'));
    socket.destroy();
    expect(cert.issuer.CN).toBe('Forward Test Origin CA');
    // The tunnel is recorded as a CONNECT once it closes; what went through it stays opaque.
    expect(rig.records.some((x) => x.url.includes('/blind'))).toBe(false);
    const tunnel = await rig.record((x) => x.method === 'CONNECT');
    expect(tunnel).toMatchObject({ url: `127.0.0.1:${origin.port}`, host: '127.0.0.1', status: 200, target: `tcp://127.0.0.1:${origin.port}`, error: null });
  });

  it('intercepts matching hosts: the client sees a Switchyard Local CA leaf and the exchange is captured decrypted', async () => {
    rig = await startProxy(config());
    const starts: EngineEvent[] = [];
    rig.engine.events.on((e) => e.type === 'exchange.start' && starts.push(e));
    const proxy = `http://127.0.0.1:${rig.portOf('egress')}`;
    const caPath = (await rig.engine.certificates.localCa()).certPath;
    const r = await curl(['-x', proxy, '--cacert', caPath, '-v', '-H', 'x-request-id: intercepted-1', '--data', 'secret-payload', `https://localhost:${origin.port}/inside?x=1`]);
    expect(r.stdout).toBe('tls-origin POST /inside?x=1 body=secret-payload');
    expect(r.stderr).toMatch(/issuer: CN=Switchyard Local CA/);
    expect(r.stderr).toMatch(/subjectAltName: host "localhost" matched/);
    // Upstream went over verified TLS to the real origin.
    expect(origin.seen.at(-1)).toMatchObject({ method: 'POST', url: '/inside?x=1', body: 'secret-payload' });
    const rec = await rig.record((x) => x.requestId === 'intercepted-1');
    expect(rec).toMatchObject({ listener: 'egress', scheme: 'https', intercepted: true, host: 'localhost', url: '/inside?x=1', status: 200, target: `https://localhost:${origin.port}` });
    expect(Buffer.from(rec.requestBody.bytes!).toString()).toBe('secret-payload');
    expect(starts.find((e) => e.type === 'exchange.start' && e.requestId === 'intercepted-1')).toMatchObject({ intercepted: true, listener: 'egress' });
    expect(Buffer.from(rec.responseBody.bytes!).toString()).toContain('tls-origin');

    // A Node TLS client over a raw CONNECT socket sees the same chain.
    const { socket, cert } = await tlsThroughProxy(rig.portOf('egress'), 'localhost', origin.port, readFileSync(caPath, 'utf8'));
    socket.destroy();
    expect(cert.issuer.CN).toBe('Switchyard Local CA');
    expect(cert.subjectaltname).toContain('DNS:localhost');
  });

  it('speaks h2 inside an intercepted tunnel when the client offers it, through the same forward path and capture', async () => {
    rig = await startProxy(config());
    const caPath = (await rig.engine.certificates.localCa()).certPath;
    const proxy = `http://127.0.0.1:${rig.portOf('egress')}`;
    const url = `https://localhost:${origin.port}`;
    // Two requests on one h2 connection; the second carries a body.
    const r = await curl(['-x', proxy, '--cacert', caPath, '-v', '--http2', '-H', 'x-request-id: h2-a', `${url}/h2/one`, '--next', '-x', proxy, '--cacert', caPath, '--http2', '-H', 'x-request-id: h2-b', '--data', 'h2-payload', `${url}/h2/two`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('tls-origin GET /h2/one body=tls-origin POST /h2/two body=h2-payload');
    expect(r.stderr).toMatch(/ALPN: server accepted h2|ALPN, server accepted to use h2/);
    expect(r.stderr).toMatch(/issuer: CN=Switchyard Local CA/);
    const one = await rig.record((x) => x.requestId === 'h2-a');
    expect(one).toMatchObject({ intercepted: true, httpVersion: '2.0', scheme: 'https', host: 'localhost', url: '/h2/one', status: 200, target: `https://localhost:${origin.port}` });
    expect(one.tls).toMatchObject({ alpn: 'h2', sni: 'localhost' });
    const two = await rig.record((x) => x.requestId === 'h2-b');
    expect(Buffer.from(two.requestBody.bytes!).toString()).toBe('h2-payload');
    expect(origin.seen.at(-1)).toMatchObject({ method: 'POST', url: '/h2/two', body: 'h2-payload' });
  });

  it('intercepts a tunnel to an IP address (no SNI) with a leaf for that address', async () => {
    rig = await startProxy(config().replace('intercept: ["localhost", "*.example.test"]', 'intercept: ["127.0.0.1"]'));
    const caPath = (await rig.engine.certificates.localCa()).certPath;
    const r = await curl(['-x', `http://127.0.0.1:${rig.portOf('egress')}`, '--cacert', caPath, '-v', '-H', 'x-request-id: by-ip', `https://127.0.0.1:${origin.port}/by-ip`]);
    expect(r.stdout).toBe('tls-origin GET /by-ip body=');
    expect(r.stderr).toMatch(/issuer: CN=Switchyard Local CA/);
    expect(await rig.record((x) => x.requestId === 'by-ip')).toMatchObject({ intercepted: true, target: `https://127.0.0.1:${origin.port}` });
  });

  it('a client that does not trust the local CA fails the handshake; the origin is never asked', async () => {
    rig = await startProxy(config());
    const before = origin.seen.length;
    const r = await curl(['-x', `http://127.0.0.1:${rig.portOf('egress')}`, '--cacert', pki.caPath, `https://localhost:${origin.port}/untrusted`]);
    expect(r.code).toBe(60); // curl: peer certificate cannot be authenticated
    expect(origin.seen.length).toBe(before);
  });

  it('answers 502 when an intercepted origin presents a certificate the proxy does not trust', async () => {
    delete process.env[EXTRA_CA_ENV];
    try {
      rig = await startProxy(config());
      const caPath = (await rig.engine.certificates.localCa()).certPath;
      const r = await curl(['-x', `http://127.0.0.1:${rig.portOf('egress')}`, '--cacert', caPath, '-w', '\\n%{http_code}', `https://localhost:${origin.port}/`]);
      const [body, status] = r.stdout.split('\n');
      expect(status).toBe('502');
      expect(JSON.parse(body).detail).toMatch(/certificate/i);
    } finally {
      process.env[EXTRA_CA_ENV] = pki.caPath;
    }
  });

  it('answers 502 when an intercepted origin presents a certificate for another host', async () => {
    const otherPki = await makeOriginPki('DNS:localhost');
    const other = await startHttpsOrigin(otherPki);
    const saved = process.env[EXTRA_CA_ENV];
    process.env[EXTRA_CA_ENV] = otherPki.caPath;
    try {
      rig = await startProxy(config().replace(`connectPorts: [${origin.port}]`, `connectPorts: [${other.port}]`).replace('intercept: ["localhost", "*.example.test"]', 'intercept: ["127.0.0.1"]'));
      const caPath = (await rig.engine.certificates.localCa()).certPath;
      const r = await curl(['-x', `http://127.0.0.1:${rig.portOf('egress')}`, '--cacert', caPath, '-w', '\\n%{http_code}', `https://127.0.0.1:${other.port}/`]);
      const [body, status] = r.stdout.split('\n');
      expect(status).toBe('502');
      expect(JSON.parse(body).detail).toMatch(/127\.0\.0\.1.*not in the cert's list/);
      expect(other.seen).toHaveLength(0);
    } finally {
      process.env[EXTRA_CA_ENV] = saved;
      await other.close();
      rmSync(otherPki.dir, { recursive: true, force: true });
    }
  });

  it('carries a WebSocket inside an intercepted tunnel, with its messages captured', async () => {
    rig = await startProxy(config());
    const caPath = (await rig.engine.certificates.localCa()).certPath;
    const agentSocket = await tlsThroughProxy(rig.portOf('egress'), 'localhost', origin.port, readFileSync(caPath, 'utf8'));
    const ws = new WebSocket(`wss://localhost:${origin.port}/ws`, { createConnection: () => agentSocket.socket, headers: { 'x-request-id': 'ws-in-tunnel' } });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('hi there'));
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    expect(reply).toBe('echo:hi there');
    ws.close();
    const rec = await rig.record((x) => x.requestId === 'ws-in-tunnel' && x.websocket !== null && x.websocket.length >= 2);
    expect(rec).toMatchObject({ status: 101, intercepted: true, scheme: 'https' });
    expect(rec.websocket!.map((m) => `${m.direction}:${Buffer.from(m.data).toString()}`)).toEqual(expect.arrayContaining(['client:hi there', 'upstream:echo:hi there']));
  });

  it('chains CONNECT through a parent forward listener, blind and intercepted', async () => {
    const parentPort = await freePort();
    rig = await startProxy(`version: 1
listeners:
  - { name: parent, address: 127.0.0.1:${parentPort}, mode: forward, connectPorts: [${origin.port}] }
  - { name: child, address: 127.0.0.1:0, mode: forward, connectPorts: [${origin.port}], intercept: [localhost], parentProxy: "http://127.0.0.1:${parentPort}" }
`);
    const proxy = `http://127.0.0.1:${rig.portOf('child')}`;
    const blind = await curl(['-x', proxy, '--cacert', pki.caPath, `https://127.0.0.1:${origin.port}/blind-chain`]);
    expect(blind.stdout).toBe('tls-origin GET /blind-chain body=');
    const caPath = (await rig.engine.certificates.localCa()).certPath;
    const inter = await curl(['-x', proxy, '--cacert', caPath, '-H', 'x-request-id: chain-tls', `https://localhost:${origin.port}/intercepted-chain`]);
    expect(inter.stdout).toBe('tls-origin GET /intercepted-chain body=');
    expect(await rig.record((x) => x.requestId === 'chain-tls')).toMatchObject({ listener: 'child', intercepted: true });
  });
});

describe('forward proxy: bad CONNECT input', () => {
  it('refuses a port outside connectPorts with 403 and keeps serving', async () => {
    rig = await startProxy(config());
    const port = rig.portOf('egress');
    const r = await rawRequest(port, 'CONNECT localhost:22 HTTP/1.1\r\nHost: localhost:22\r\n\r\n');
    expect(r.status).toBe(403);
    expect(r.closedByPeer).toBe(true);
    expect(r.text).toContain('connectPorts');
    expect(await rig.record((x) => x.method === 'CONNECT')).toMatchObject({ url: 'localhost:22', status: 403, error: { code: 'FORBIDDEN' } });
    const ok = await curl(['-x', `http://127.0.0.1:${port}`, '--cacert', pki.caPath, `https://127.0.0.1:${origin.port}/still-serving`]);
    expect(ok.stdout).toBe('tls-origin GET /still-serving body=');
  });

  it.each(['garbage', 'localhost', 'localhost:99999', 'user@host:443', '[not-v6]:443', ':443', 'http://localhost:443/'])(
    'answers 400 to a CONNECT target %j and keeps serving',
    async (target) => {
      rig = await startProxy(config());
      const port = rig.portOf('egress');
      const r = await rawRequest(port, `CONNECT ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(r.status).toBe(400);
      expect(r.closedByPeer).toBe(true);
      const ok = await curl(['-x', `http://127.0.0.1:${port}`, '--cacert', pki.caPath, `https://127.0.0.1:${origin.port}/ok`]);
      expect(ok.stdout).toBe('tls-origin GET /ok body=');
    },
  );

  it('answers 502 when the tunnel target refuses the connection', async () => {
    const closed = await freePort();
    rig = await startProxy(config().replace(`connectPorts: [${origin.port}]`, `connectPorts: [${origin.port}, ${closed}]`));
    const r = await rawRequest(rig.portOf('egress'), `CONNECT 127.0.0.1:${closed} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(r.status).toBe(502);
  });
});
