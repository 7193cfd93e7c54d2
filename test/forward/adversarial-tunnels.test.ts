/**
 * CONNECT tunnels probed the way a demanding proxy user would: half-closes in
 * both directions, long idle tunnels, a parent that hangs up, refused clients
 * that never close; and for intercepted hosts: plain HTTP, WebSockets and
 * non-TLS protocols inside the tunnel, clients that hang up or stall, origins
 * that reset or are not trusted, absolute-form requests, and traffic events
 * that always complete.
 */
import { readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EXTRA_CA_ENV } from '../../src-proxy/forward/origin-trust.js';
import { rawRequest } from '../helpers/gateway.js';
import { curl, makeOriginPki, startHttpOrigin, startHttpsOrigin, startProxy, type Origin, type OriginPki, type ProxyRig } from './rig.js';

let rig: ProxyRig | null = null;
const servers: net.Server[] = [];
const originSockets = new Set<Socket>();
afterEach(async () => {
  await rig?.close();
  rig = null;
  for (const s of originSockets) s.destroy();
  originSockets.clear();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A raw TCP origin; `onSocket` decides what it says. Sockets are half-open capable. */
async function tcpOrigin(onSocket: (s: Socket) => void): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    originSockets.add(s);
    onSocket(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Sends CONNECT and resolves once the 200 has been read; bytes after it are put back. */
function openTunnel(proxyPort: number, target: string, first = ''): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: proxyPort, host: '127.0.0.1', allowHalfOpen: true });
    socket.once('connect', () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n${first}`));
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const end = seen.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.removeListener('data', onData);
      const head = seen.subarray(0, end).toString('latin1');
      if (!head.startsWith('HTTP/1.1 200')) return reject(new Error(`CONNECT answered ${head}`));
      socket.pause();
      if (seen.length > end + 4) socket.unshift(seen.subarray(end + 4));
      resolve(socket);
    };
    socket.on('data', onData).once('error', reject);
  });
}

/** The first chunk the socket sends (fails after 5 s rather than hanging the test). */
function firstChunk(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('nothing came back within 5 s')), 5000);
    socket.once('data', (d: Buffer) => {
      clearTimeout(timer);
      resolve(d.toString('latin1'));
    });
    socket.resume();
  });
}

/** Everything the socket sends until it ends its side. */
function readToEnd(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (text += c));
    socket.once('end', () => resolve(text));
    socket.resume();
  });
}

describe('blind tunnels', () => {
  it('carries the origin half-closing first: the client can still send, and the origin gets it', async () => {
    let received = '';
    let originSawEnd!: () => void;
    const originDone = new Promise<void>((resolve) => (originSawEnd = resolve));
    const originPort = await tcpOrigin((s) => {
      s.setEncoding('latin1');
      s.on('data', (c: string) => (received += c));
      s.on('end', () => {
        s.end();
        originSawEnd();
      });
      s.end('greeting then FIN\n'); // a server that says its piece and stops sending, but keeps listening
    });
    rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward, connectPorts: [${originPort}] }
`);
    const tunnel = await openTunnel(rig.portOf('egress'), `127.0.0.1:${originPort}`);
    expect(await readToEnd(tunnel)).toBe('greeting then FIN\n');
    tunnel.end('the client still talks after the FIN');
    await originDone;
    expect(received).toBe('the client still talks after the FIN');
    const rec = await rig.record((x) => x.method === 'CONNECT');
    expect(rec).toMatchObject({ status: 200, error: null, target: `tcp://127.0.0.1:${originPort}` });
  });

  it('carries the client half-closing first: the origin answers in full after the FIN', async () => {
    const big = 'x'.repeat(4 * 1024 * 1024);
    const originPort = await tcpOrigin((s) => {
      let got = '';
      s.setEncoding('latin1');
      s.on('data', (c: string) => (got += c));
      s.on('end', () => s.end(`${got.length}:${big}`));
    });
    rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward, connectPorts: [${originPort}] }
`);
    const tunnel = await openTunnel(rig.portOf('egress'), `127.0.0.1:${originPort}`);
    tunnel.end('request-then-FIN');
    const answer = await readToEnd(tunnel);
    expect(answer.length).toBe(`16:`.length + big.length);
    expect(answer.startsWith('16:xxx')).toBe(true);
  });

  it('keeps an idle tunnel up past the listener header and keep-alive timeouts (tunnels have no idle timeout)', async () => {
    const originPort = await tcpOrigin((s) => s.on('data', (d: Buffer) => s.write(`echo:${d.toString()}`)));
    rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward, connectPorts: [${originPort}], limits: { headersTimeout: 1s, keepAliveTimeout: 1s } }
`);
    const tunnel = await openTunnel(rig.portOf('egress'), `127.0.0.1:${originPort}`);
    let closed = false;
    tunnel.once('close', () => (closed = true));
    tunnel.resume();
    // Several of the proxy's 1 s connection checks pass while the tunnel is silent.
    await new Promise((r) => setTimeout(r, 3500));
    expect(closed).toBe(false);
    const reply = firstChunk(tunnel);
    tunnel.write('still there?');
    expect(await reply).toBe('echo:still there?');
    tunnel.destroy();
  });

  it('answers 502 at once when the parent proxy hangs up on the CONNECT without answering', async () => {
    const parentPort = await tcpOrigin((s) => s.once('data', () => s.end()));
    rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward, parentProxy: "http://127.0.0.1:${parentPort}" }
`);
    // Well inside the 10 s the proxy would wait for an answer that never comes.
    const r = await rawRequest(rig.portOf('egress'), 'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n', { timeoutMs: 5000 });
    expect(r.status).toBe(502);
    expect(r.text).toContain('the parent proxy closed the connection during CONNECT');
  });

  it('passes on bytes the client sends right behind the CONNECT line, before the 200', async () => {
    const originPort = await tcpOrigin((s) => s.on('data', (d: Buffer) => s.end(`echo:${d.toString()}`)));
    rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward, connectPorts: [${originPort}] }
`);
    const tunnel = await openTunnel(rig.portOf('egress'), `127.0.0.1:${originPort}`, 'early-bytes');
    expect(await readToEnd(tunnel)).toBe('echo:early-bytes');
  });
});

describe('refused CONNECTs', () => {
  it('lets go of a client that keeps its side open after the refusal', async () => {
    rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward }
`);
    const client = net.connect({ port: rig.portOf('egress'), host: '127.0.0.1', allowHalfOpen: true });
    client.write('CONNECT refused.example:22 HTTP/1.1\r\nHost: refused.example:22\r\n\r\n');
    const answer = await readToEnd(client);
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    // The client never closes; once the proxy has really closed its socket, writing fails (RST).
    const failed = await new Promise<boolean>((resolve) => {
      client.once('error', () => resolve(true));
      const poke = setInterval(() => client.writable && client.write('still here'), 250);
      setTimeout(() => {
        clearInterval(poke);
        resolve(false);
      }, 5000);
    });
    client.destroy();
    expect(failed).toBe(true);
  });
});

describe('tunnels to intercepted hosts', () => {
  let pki: OriginPki;
  let tlsOrigin: Origin;
  let httpOrigin: Origin;
  beforeAll(async () => {
    pki = await makeOriginPki();
    tlsOrigin = await startHttpsOrigin(pki);
    httpOrigin = await startHttpOrigin();
    process.env[EXTRA_CA_ENV] = pki.caPath;
  });
  afterAll(async () => {
    delete process.env[EXTRA_CA_ENV];
    await tlsOrigin.close();
    await httpOrigin.close();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  const intercepting = (ports: number[], extra = '') => `version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward, connectPorts: [${ports.join(', ')}], intercept: ["*"]${extra} }
`;

  it('leaves no exchange started and never completed: every exchange.start gets its exchange.complete', async () => {
    rig = await startProxy(intercepting([tlsOrigin.port]));
    const started = new Map<string, string>();
    const completed = new Set<string>();
    rig.engine.events.on((e) => {
      if (e.type === 'exchange.start') started.set(e.id, `${e.method} ${e.url}`);
      if (e.type === 'exchange.complete') completed.add(e.id);
    });
    const caPath = (await rig.engine.certificates.localCa()).certPath;
    const proxy = `http://127.0.0.1:${rig.portOf('egress')}`;
    for (const version of ['--http1.1', '--http2']) {
      const r = await curl([version, '-x', proxy, '--cacert', caPath, `https://localhost:${tlsOrigin.port}/complete-me`]);
      expect(r.stdout).toBe('tls-origin GET /complete-me body=');
    }
    // A tunnel the client abandons before saying anything.
    (await openTunnel(rig.portOf('egress'), `localhost:${tlsOrigin.port}`)).destroy();
    const dangling = () => [...started].filter(([id]) => !completed.has(id)).map(([, what]) => what);
    await new Promise((r) => setTimeout(r, 500));
    expect(dangling()).toEqual([]);
    expect([...started.values()].filter((w) => w.startsWith('GET'))).toHaveLength(2);
  });

  it('proxies plain HTTP sent inside the tunnel to http://host:port and captures it', async () => {
    rig = await startProxy(intercepting([httpOrigin.port]));
    const proxy = `http://127.0.0.1:${rig.portOf('egress')}`;
    // curl -p: a CONNECT tunnel even for http:// (what browsers do for ws:// through a proxy).
    const r = await curl(['-p', '-x', proxy, '-H', 'x-request-id: http-in-tunnel', `http://localhost:${httpOrigin.port}/in/tunnel?q=1`]);
    expect(r.stdout).toBe('plain-origin GET /in/tunnel?q=1 body=');
    expect(httpOrigin.seen.at(-1)?.headers.host).toBe(`localhost:${httpOrigin.port}`);
    const rec = await rig.record((x) => x.requestId === 'http-in-tunnel');
    expect(rec.intercepted).toBeUndefined();
    expect(rec).toMatchObject({ scheme: 'http', url: '/in/tunnel?q=1', status: 200, target: `http://localhost:${httpOrigin.port}` });
  });

  it('carries a ws:// WebSocket opened through a CONNECT tunnel (as browsers do through a proxy)', async () => {
    rig = await startProxy(intercepting([httpOrigin.port]));
    const tunnel = await openTunnel(rig.portOf('egress'), `localhost:${httpOrigin.port}`);
    tunnel.resume();
    const ws = new WebSocket(`ws://localhost:${httpOrigin.port}/ws`, { createConnection: () => tunnel, headers: { 'x-request-id': 'ws-via-connect' } });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('over connect'));
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    expect(reply).toBe('echo:over connect');
    ws.close();
    expect(await rig.record((x) => x.requestId === 'ws-via-connect')).toMatchObject({ status: 101, scheme: 'http', target: `http://localhost:${httpOrigin.port}` });
  });

  it('keeps an idle wss WebSocket in an intercepted tunnel open past the header and keep-alive timeouts', async () => {
    rig = await startProxy(intercepting([tlsOrigin.port], ', limits: { headersTimeout: 1s, keepAliveTimeout: 1s }'));
    const ca = readFileSync((await rig.engine.certificates.localCa()).certPath, 'utf8');
    const tunnel = await openTunnel(rig.portOf('egress'), `localhost:${tlsOrigin.port}`);
    const t = tls.connect({ socket: tunnel, servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] });
    const ws = new WebSocket(`wss://localhost:${tlsOrigin.port}/ws`, { createConnection: () => t });
    await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
    let closed = false;
    ws.once('close', () => (closed = true));
    await new Promise((r) => setTimeout(r, 3500));
    expect(closed).toBe(false);
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('after a quiet spell');
    expect(await reply).toBe('echo:after a quiet spell');
    ws.terminate();
  });

  it('cuts the client connection when the origin resets mid-response inside an intercepted tunnel', async () => {
    const resetting = https.createServer({ cert: readFileSync(pki.certPath), key: readFileSync(pki.keyPath) }, (req, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(30_000, 97));
      setTimeout(() => req.socket.destroy(), 50);
    });
    await new Promise<void>((r) => resetting.listen(0, '127.0.0.1', r));
    const port = (resetting.address() as AddressInfo).port;
    try {
      rig = await startProxy(intercepting([port]));
      const caPath = (await rig.engine.certificates.localCa()).certPath;
      const r = await curl(['--http1.1', '-x', `http://127.0.0.1:${rig.portOf('egress')}`, '--cacert', caPath, '-o', '/dev/null', '-w', '%{http_code} %{size_download}', `https://localhost:${port}/reset`]);
      expect(r.code).toBe(18); // curl: transfer closed with outstanding read data remaining
      expect(r.stdout).toBe('200 30000');
      expect(await rig.record((x) => x.url === '/reset')).toMatchObject({ intercepted: true, error: { code: 'UPSTREAM_RESET' } });
    } finally {
      resetting.closeAllConnections();
      await new Promise((r) => resetting.close(r));
    }
  });

  it('passes a protocol that is neither TLS nor HTTP through untouched, recorded as a CONNECT', async () => {
    const originPort = await tcpOrigin((s) => s.on('data', (d: Buffer) => s.write(`echo:${d.toString()}`)).on('end', () => s.end()));
    rig = await startProxy(intercepting([originPort]));
    const tunnel = await openTunnel(rig.portOf('egress'), `127.0.0.1:${originPort}`);
    const reply = firstChunk(tunnel);
    tunnel.write('SSH-2.0-OpenSSH_9.2\r\n');
    expect(await reply).toBe('echo:SSH-2.0-OpenSSH_9.2\r\n');
    tunnel.end();
    expect(await rig.record((x) => x.method === 'CONNECT')).toMatchObject({ status: 200, target: `tcp://127.0.0.1:${originPort}`, error: null });
  });

  it('answers 408 to a client that sends half a request inside an intercepted tunnel', async () => {
    rig = await startProxy(intercepting([tlsOrigin.port], ', limits: { headersTimeout: 1s }'));
    const ca = readFileSync((await rig.engine.certificates.localCa()).certPath, 'utf8');
    const tunnel = await openTunnel(rig.portOf('egress'), `localhost:${tlsOrigin.port}`);
    const t = tls.connect({ socket: tunnel, servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] });
    await new Promise<void>((resolve, reject) => t.once('secureConnect', resolve).once('error', reject));
    t.write(`GET /slow HTTP/1.1\r\nHost: localhost:${tlsOrigin.port}\r\nX-Never: `);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      t.on('data', (d: Buffer) => (text += d.toString()));
      t.once('end', () => resolve(text));
      setTimeout(() => resolve(`not ended after 8 s: ${text}`), 8000);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('lets go of a client that hangs up in the middle of the TLS handshake', async () => {
    rig = await startProxy(intercepting([tlsOrigin.port]));
    await rig.engine.certificates.localCa();
    const tunnel = await openTunnel(rig.portOf('egress'), `localhost:${tlsOrigin.port}`);
    // The first bytes of a ClientHello (a TLS handshake record header), then FIN.
    tunnel.end(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
    const ended = await new Promise<boolean>((resolve) => {
      tunnel.once('end', () => resolve(true));
      tunnel.resume();
      // The handshake timeout is 10 s; a hang-up must not wait for it.
      setTimeout(() => resolve(false), 5000);
    });
    expect(ended).toBe(true);
  });

  it('keeps the path of an absolute-form request sent inside an intercepted tunnel', async () => {
    rig = await startProxy(intercepting([tlsOrigin.port]));
    const ca = readFileSync((await rig.engine.certificates.localCa()).certPath, 'utf8');
    const tunnel = await openTunnel(rig.portOf('egress'), `localhost:${tlsOrigin.port}`);
    const t = tls.connect({ socket: tunnel, servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] });
    await new Promise<void>((resolve, reject) => t.once('secureConnect', resolve).once('error', reject));
    t.write(`GET https://localhost:${tlsOrigin.port}/abs/path?x=1 HTTP/1.1\r\nHost: localhost:${tlsOrigin.port}\r\nConnection: close\r\n\r\n`);
    const text = await new Promise<string>((resolve) => {
      let s = '';
      t.on('data', (d: Buffer) => (s += d.toString()));
      t.once('end', () => resolve(s));
    });
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toContain('tls-origin GET /abs/path?x=1 body=');
  });

  it('reports an origin certificate the proxy does not trust as UPSTREAM_TLS_FAILED with the reason, for requests and wss', async () => {
    const untrusted = await makeOriginPki();
    const other = await startHttpsOrigin(untrusted); // its CA is not in SWITCHYARD_EXTRA_CA_CERTS
    try {
      rig = await startProxy(intercepting([other.port]));
      const caPath = (await rig.engine.certificates.localCa()).certPath;
      const proxy = `http://127.0.0.1:${rig.portOf('egress')}`;
      for (const version of ['--http1.1', '--http2']) {
        const r = await curl([version, '-x', proxy, '--cacert', caPath, '-w', '\\n%{http_code}', `https://localhost:${other.port}/`]);
        const [body, status] = r.stdout.split('\n');
        expect(status).toBe('502');
        const problem = JSON.parse(body) as { code: string; detail: string };
        expect(problem.code).toBe('UPSTREAM_TLS_FAILED');
        expect(problem.detail).toContain('unknown CA');
      }
      const tunnel = await openTunnel(rig.portOf('egress'), `localhost:${other.port}`);
      const t = tls.connect({ socket: tunnel, servername: 'localhost', ca: readFileSync(caPath, 'utf8'), ALPNProtocols: ['http/1.1'] });
      const ws = new WebSocket(`wss://localhost:${other.port}/ws`, { createConnection: () => t });
      const declined = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.once('open', () => reject(new Error('the WebSocket opened to an untrusted origin')));
      });
      expect(declined.status).toBe(502);
      expect((JSON.parse(declined.body) as { code: string }).code).toBe('UPSTREAM_TLS_FAILED');
      expect(other.seen).toHaveLength(0);
    } finally {
      await other.close();
      rmSync(untrusted.dir, { recursive: true, force: true });
    }
  });
});
