/**
 * `originTimeouts` on a forward listener: a WebSocket upgrade whose origin
 * never answers, a TLS handshake the origin never completes (upgrade and
 * ordinary request, in an intercepted tunnel), an origin slow to send its
 * headers (straight and through a parent proxy), a re-apply that changes the
 * timeout, an origin that resets or answers garbage to an upgrade or stalls
 * in the body of its refusal, and the
 * option where it does not apply.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import { rawRequest, sleep, waitFor } from '../helpers/gateway.js';
import { planOf, startProxy, type ProxyRig } from './rig.js';

let rig: ProxyRig | null = null;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await rig?.close();
  rig = null;
  for (const c of cleanups.splice(0)) await c();
});

/** Accepts connections, reads what comes, never writes a byte. */
async function silentServer(): Promise<{ port: number; sockets: { closed: boolean }[] }> {
  const sockets: { socket: Socket; closed: boolean }[] = [];
  const server = net.createServer((socket) => {
    const s = { socket, closed: false };
    socket.on('close', () => (s.closed = true)).on('error', () => undefined);
    socket.resume();
    sockets.push(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    for (const s of sockets) s.socket.destroy();
    await new Promise((r) => server.close(r));
  });
  return { port: (server.address() as AddressInfo).port, sockets };
}

/** Answers `late` after `delayMs`. */
async function slowServer(delayMs: number): Promise<number> {
  const server = http.createServer((_req, res) => {
    const t = setTimeout(() => res.end('late'), delayMs);
    res.on('close', () => clearTimeout(t));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return (server.address() as AddressInfo).port;
}

const forward = (timeouts: string, extra = '') => `version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward, originTimeouts: { ${timeouts} }${extra} }
`;

const upgradeHead = (target: string, host: string, id: string) =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nX-Request-Id: ${id}\r\n` +
  'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/** Status and problem body of one answer written as raw text. */
function problemOf(text: string): { status: number; body: { status?: number; code?: string; detail?: string } } {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status: m ? Number(m[1]) : 0, body: body.startsWith('{') ? (JSON.parse(body) as object) : {} };
}

async function get(proxyPort: number, originPort: number, id: string): Promise<{ status: number; text: string }> {
  const r = await rawRequest(proxyPort, `GET http://127.0.0.1:${originPort}/ HTTP/1.1\r\nHost: 127.0.0.1:${originPort}\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n`, {
    timeoutMs: 5000,
  });
  return { status: r.status, text: r.text };
}

/** Captured exactly once: waits for the record, then a moment for a second one that must not come. */
async function recordedOnce(id: string) {
  const rec = await rig!.record((r) => r.requestId === id);
  await sleep(200);
  expect(rig!.records.filter((r) => r.requestId === id)).toHaveLength(1);
  return rec;
}

describe('forward proxy: originTimeouts', () => {
  it('answers 504 UPSTREAM_TIMEOUT when the origin never answers a WebSocket upgrade, and lets the origin socket go', async () => {
    const origin = await silentServer();
    rig = await startProxy(forward('response: 300ms'));
    const started = Date.now();
    const r = await rawRequest(rig.portOf('egress'), upgradeHead(`http://127.0.0.1:${origin.port}/ws`, `127.0.0.1:${origin.port}`, 'ws-silent'), {
      timeoutMs: 5000,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    const p = problemOf(r.text);
    expect(p.status).toBe(504);
    expect(p.body).toMatchObject({ status: 504, code: 'UPSTREAM_TIMEOUT', detail: expect.stringContaining(`http://127.0.0.1:${origin.port} did not answer in time`) });
    await waitFor(() => origin.sockets.length === 1 && origin.sockets[0].closed, 3000, 'origin socket closed');
    const rec = await recordedOnce('ws-silent');
    expect(rec).toMatchObject({ status: 504, error: { code: 'UPSTREAM_TIMEOUT' } });
  });

  it('reports an origin that resets or answers garbage to an upgrade as UPSTREAM_RESET / UPSTREAM_BAD_RESPONSE, not a connect failure', async () => {
    const answers = { reset: (s: Socket) => s.resetAndDestroy(), garbage: (s: Socket) => s.end('SSH-2.0-OpenSSH_9.6\r\n\r\n') };
    let answer = answers.reset;
    const server = net.createServer((s) => s.once('data', () => answer(s)).on('error', () => undefined));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    const port = (server.address() as AddressInfo).port;
    rig = await startProxy(forward('response: 5s'));
    const upgrade = (id: string) => rawRequest(rig!.portOf('egress'), upgradeHead(`http://127.0.0.1:${port}/ws`, `127.0.0.1:${port}`, id), { timeoutMs: 5000 });
    expect(problemOf((await upgrade('ws-reset')).text)).toMatchObject({ status: 502, body: { code: 'UPSTREAM_RESET' } });
    answer = answers.garbage;
    expect(problemOf((await upgrade('ws-garbage')).text)).toMatchObject({ status: 502, body: { code: 'UPSTREAM_BAD_RESPONSE' } });
    expect(await recordedOnce('ws-garbage')).toMatchObject({ status: 502, error: { code: 'UPSTREAM_BAD_RESPONSE' } });
  });

  it('cuts an origin\'s answer declining an upgrade when its body stalls for `idle`, and records why', async () => {
    const sockets = new Set<Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined).once('data', () => s.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 100\r\n\r\npartial'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    });
    const port = (server.address() as AddressInfo).port;
    rig = await startProxy(forward('idle: 300ms'));
    const started = Date.now();
    const r = await rawRequest(rig.portOf('egress'), upgradeHead(`http://127.0.0.1:${port}/ws`, `127.0.0.1:${port}`, 'ws-stall'), { timeoutMs: 5000 });
    expect(r.closedByPeer).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(r.text).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*\r\n\r\npartial$/);
    expect(await recordedOnce('ws-stall')).toMatchObject({ status: 403, error: { code: 'UPSTREAM_TIMEOUT' } });
  });

  describe('in an intercepted tunnel to an origin that never finishes its TLS handshake', () => {
    /** CONNECT through the proxy, TLS with its local CA, then `request`; resolves with everything the proxy sent back. */
    async function throughTunnel(originPort: number, request: string): Promise<string> {
      const ca = readFileSync((await rig!.engine.certificates.localCa()).certPath, 'utf8');
      const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: rig!.portOf('egress'), method: 'CONNECT', path: `localhost:${originPort}` });
        req.on('connect', (res, raw: Socket) => {
          if (res.statusCode !== 200) return reject(new Error(`CONNECT answered ${res.statusCode}`));
          const t = tls.connect({ socket: raw, servername: 'localhost', ca });
          t.once('secureConnect', () => resolve(t)).once('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      return new Promise((resolve) => {
        let text = '';
        const done = () => {
          clearTimeout(timer);
          socket.destroy();
          resolve(text);
        };
        const timer = setTimeout(done, 5000);
        socket.on('data', (c: Buffer) => {
          text += c.toString('latin1');
          if (text.includes('\r\n\r\n') && text.trimEnd().endsWith('}')) done();
        });
        socket.on('end', done).on('close', done).on('error', done);
        socket.write(request);
      });
    }

    const tunnelConfig = (port: number) => forward('connect: 300ms', `, intercept: [localhost], connectPorts: [${port}]`);

    it('answers a WebSocket upgrade with 504 UPSTREAM_CONNECT_TIMEOUT and closes the origin socket', async () => {
      const origin = await silentServer();
      rig = await startProxy(tunnelConfig(origin.port));
      const text = await throughTunnel(origin.port, upgradeHead('/ws', `localhost:${origin.port}`, 'wss-silent-tls'));
      const p = problemOf(text);
      expect(p.status).toBe(504);
      expect(p.body).toMatchObject({ code: 'UPSTREAM_CONNECT_TIMEOUT', detail: expect.stringContaining(`Timed out connecting to https://localhost:${origin.port}`) });
      await waitFor(() => origin.sockets.length === 1 && origin.sockets[0].closed, 3000, 'origin socket closed');
      const rec = await recordedOnce('wss-silent-tls');
      expect(rec).toMatchObject({ status: 504, intercepted: true, error: { code: 'UPSTREAM_CONNECT_TIMEOUT' } });
    });

    it('answers an ordinary request with 504 UPSTREAM_CONNECT_TIMEOUT', async () => {
      const origin = await silentServer();
      rig = await startProxy(tunnelConfig(origin.port));
      const text = await throughTunnel(origin.port, `GET / HTTP/1.1\r\nHost: localhost:${origin.port}\r\nX-Request-Id: get-silent-tls\r\nConnection: close\r\n\r\n`);
      const p = problemOf(text);
      expect(p.status).toBe(504);
      expect(p.body).toMatchObject({ code: 'UPSTREAM_CONNECT_TIMEOUT', detail: expect.stringContaining(`https://localhost:${origin.port}`) });
      const rec = await recordedOnce('get-silent-tls');
      expect(rec).toMatchObject({ status: 504, error: { code: 'UPSTREAM_CONNECT_TIMEOUT' } });
    });

    it('counts a parent proxy that never answers the CONNECT for an ordinary request as a connect timeout', async () => {
      const parent = await silentServer();
      // Any port: the parent takes the CONNECT and stays silent, so the origin is never reached.
      const originPort = parent.port;
      rig = await startProxy(forward('connect: 300ms', `, intercept: [localhost], connectPorts: [${originPort}], parentProxy: "http://127.0.0.1:${parent.port}"`));
      const text = await throughTunnel(originPort, `GET / HTTP/1.1\r\nHost: localhost:${originPort}\r\nConnection: close\r\n\r\n`);
      expect(problemOf(text)).toMatchObject({ status: 504, body: { code: 'UPSTREAM_CONNECT_TIMEOUT', detail: expect.stringContaining('did not answer CONNECT in time') } });
    });
  });

  it('answers 504 UPSTREAM_TIMEOUT when the headers come later than `response`, and passes them with a larger value', async () => {
    const originPort = await slowServer(2500);
    rig = await startProxy(forward('response: 300ms'));
    const slow = await get(rig.portOf('egress'), originPort, 'slow-headers');
    const p = problemOf(slow.text);
    expect(p.status).toBe(504);
    expect(p.body).toMatchObject({ code: 'UPSTREAM_TIMEOUT', detail: expect.stringContaining(`http://127.0.0.1:${originPort} did not answer in time`) });
    expect(await recordedOnce('slow-headers')).toMatchObject({ status: 504, error: { code: 'UPSTREAM_TIMEOUT' } });
    await rig.close();

    rig = await startProxy(forward('response: 10s'));
    const passed = await get(rig.portOf('egress'), originPort, 'slow-headers-ok');
    expect(passed.status).toBe(200);
    expect(passed.text.endsWith('late')).toBe(true);
  });

  it('applies `response` through a parent proxy too', async () => {
    const originPort = await slowServer(2500);
    rig = await startProxy(`version: 1
listeners:
  - { name: parent, address: 127.0.0.1:0, mode: forward }
`);
    const parentPort = rig.portOf('parent');
    await rig.engine.apply(
      planOf(`version: 1
listeners:
  - { name: parent, address: 127.0.0.1:0, mode: forward }
  - { name: egress, address: 127.0.0.1:0, mode: forward, parentProxy: "http://127.0.0.1:${parentPort}", originTimeouts: { response: 300ms } }
`),
    );
    const r = await get(rig.portOf('egress'), originPort, 'slow-via-parent');
    expect(problemOf(r.text)).toMatchObject({ status: 504, body: { code: 'UPSTREAM_TIMEOUT' } });
  });

  it('gives a blind CONNECT tunnel the connect timeout, through a parent proxy that never answers its CONNECT', async () => {
    const parent = await silentServer();
    rig = await startProxy(forward('connect: 300ms', `, parentProxy: "http://127.0.0.1:${parent.port}"`));
    const r = await rawRequest(rig.portOf('egress'), 'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\nX-Request-Id: connect-silent-parent\r\n\r\n', {
      timeoutMs: 5000,
    });
    expect(problemOf(r.text)).toMatchObject({ status: 504, body: { code: 'UPSTREAM_CONNECT_TIMEOUT', detail: expect.stringContaining('example.test:443') } });
    await waitFor(() => parent.sockets.length === 1 && parent.sockets[0].closed, 3000, 'parent socket closed');
  });

  it('a re-apply that changes `response` takes effect for new requests', async () => {
    const originPort = await slowServer(2500);
    rig = await startProxy(forward('response: 10s'));
    const port = rig.portOf('egress');
    expect((await get(port, originPort, 'before-reapply')).status).toBe(200);
    await rig.engine.apply(planOf(forward('response: 300ms')));
    // The listener is kept (same socket), only its timeouts changed.
    expect(rig.portOf('egress')).toBe(port);
    const after = await get(port, originPort, 'after-reapply');
    expect(problemOf(after.text)).toMatchObject({ status: 504, body: { code: 'UPSTREAM_TIMEOUT' } });
  });
});

describe('originTimeouts: validation', () => {
  const problems = (yaml: string, severity: 'error' | 'warning' = 'error') =>
    loadWorkspaceText(yaml, 'origin-timeouts.yaml')
      .issues.filter((i) => i.severity === severity)
      .map((i) => `${i.line}:${i.column} ${i.message}`);

  it('is a warning on a reverse listener, at its key (as the other forward-only options: a switch of mode keeps applying)', () => {
    const yaml = `version: 1
listeners:
  - name: web
    address: 127.0.0.1:0
    originTimeouts: { response: 1s }
`;
    expect(problems(yaml)).toEqual([]);
    expect(problems(yaml, 'warning')).toEqual(['5:21 originTimeouts only applies to forward listeners']);
  });

  it('refuses a value that is not a duration, and a zero one', () => {
    const errors = problems(`version: 1
listeners:
  - name: egress
    address: 127.0.0.1:0
    mode: forward
    originTimeouts: { connect: soon, idle: 0s }
`);
    expect(errors).toEqual([expect.stringMatching(/^6:32 .*expected a duration such as 500ms/)]);
    expect(
      problems(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward, originTimeouts: { idle: 0s } }
`),
    ).toEqual([expect.stringMatching(/^3:\d+ originTimeouts\.idle must be longer than 0 \(undici would read 0 as no limit at all\)$/)]);
  });
});
