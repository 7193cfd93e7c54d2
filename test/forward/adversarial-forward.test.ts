/**
 * The forward listener as a demanding proxy user probes it: several origins
 * over one client keep-alive connection with proxy-only headers that must not
 * leak, HTTP/1.0 clients, CONNECT targets that cannot be reached or are IPv6
 * literals, and the leaf an IP-literal interception presents, checked with
 * the openssl binary against the Switchyard CA.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXTRA_CA_ENV } from '../../src-proxy/forward/origin-trust.js';
import { parseResponses, rawRequest } from '../helpers/gateway.js';
import { makeOriginPki, startHttpOrigin, startHttpsOrigin, startProxy, type Origin, type OriginPki, type ProxyRig } from './rig.js';

let a: Origin;
let b: Origin;
let pki: OriginPki;
let tlsOrigin: Origin;
let rig: ProxyRig | null = null;

beforeAll(async () => {
  a = await startHttpOrigin();
  b = await startHttpOrigin();
  pki = await makeOriginPki();
  tlsOrigin = await startHttpsOrigin(pki);
  process.env[EXTRA_CA_ENV] = pki.caPath;
});
afterAll(async () => {
  delete process.env[EXTRA_CA_ENV];
  await Promise.all([a.close(), b.close(), tlsOrigin.close()]);
  rmSync(pki.dir, { recursive: true, force: true });
});
afterEach(async () => {
  await rig?.close();
  rig = null;
});

/** Sends each request on one connection after the previous answer is complete; resolves with the raw answers. */
function overOneConnection(port: number, requests: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const answers: string[] = [];
    let current = '';
    const next = () => {
      const r = requests[answers.length];
      if (r === undefined) {
        socket.destroy();
        return resolve(answers);
      }
      socket.write(r);
    };
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      current += c;
      const end = current.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(current);
      const chunkedDone = /transfer-encoding: chunked/i.test(current) && current.endsWith('\r\n0\r\n\r\n');
      if (end !== -1 && ((length && current.length >= end + 4 + Number(length[1])) || chunkedDone)) {
        answers.push(current);
        current = '';
        next();
      }
    });
    socket.once('close', () => (answers.length < requests.length ? reject(new Error(`closed after ${answers.length} answers: ${current}`)) : undefined));
    socket.once('connect', next);
  });
}

describe('plain forward proxying', () => {
  it('serves several origins over one client keep-alive connection; proxy-only headers never reach them', async () => {
    rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward }
`);
    const hop = 'Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\nConnection: keep-alive, X-Hop\r\nX-Hop: private\r\nKeep-Alive: timeout=9\r\n';
    const answers = await overOneConnection(rig.portOf('egress'), [
      `GET http://127.0.0.1:${a.port}/one HTTP/1.1\r\nHost: 127.0.0.1:${a.port}\r\n${hop}\r\n`,
      `GET http://localhost:${b.port}/two?x=1 HTTP/1.1\r\nHost: wrong.example\r\n${hop}\r\n`,
      `POST http://127.0.0.1:${a.port}/three HTTP/1.1\r\nHost: 127.0.0.1:${a.port}\r\nContent-Length: 4\r\n${hop}\r\nbody`,
    ]);
    expect(answers.map((x) => x.slice(x.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, ''))).toEqual([
      'plain-origin GET /one body=',
      'plain-origin GET /two?x=1 body=',
      'plain-origin POST /three body=body',
    ]);
    const seen = [...a.seen.slice(-2), b.seen.at(-1)!];
    // The absolute-form target wins over a stale Host header (RFC 9112 §3.2.2).
    expect(b.seen.at(-1)!.headers.host).toBe(`localhost:${b.port}`);
    for (const s of seen) {
      expect(s.headers).not.toHaveProperty('proxy-connection');
      expect(s.headers).not.toHaveProperty('proxy-authorization');
      expect(s.headers).not.toHaveProperty('x-hop');
      expect(s.headers).not.toHaveProperty('keep-alive');
      expect(s.headers).not.toHaveProperty('via');
      expect(s.headers).not.toHaveProperty('x-forwarded-for');
    }
    // Masked in capture, never stored in clear.
    const rec = await rig.record((x) => x.url.endsWith('/three'));
    expect(JSON.stringify(rec.requestHeaders)).not.toContain('dXNlcjpwYXNz');
  });

  it('answers an HTTP/1.0 client and closes, as HTTP/1.0 without keep-alive expects', async () => {
    rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward }
`);
    const r = await rawRequest(rig.portOf('egress'), `GET http://127.0.0.1:${a.port}/ten HTTP/1.0\r\n\r\n`);
    expect(r.closedByPeer).toBe(true);
    const [res] = parseResponses(r.data);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('plain-origin GET /ten body=');
  });
});

describe('CONNECT targets', () => {
  it('answers 502 with a problem naming the host when it does not resolve', async () => {
    rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward }
`);
    const r = await rawRequest(rig.portOf('egress'), 'CONNECT no-such-host.invalid:443 HTTP/1.1\r\nHost: no-such-host.invalid:443\r\n\r\n', { timeoutMs: 8000 });
    expect(r.status).toBe(502);
    expect(r.closedByPeer).toBe(true);
    const problem = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4)) as { detail: string; code: string };
    expect(problem.code).toBe('UPSTREAM_CONNECT_FAILED');
    expect(problem.detail).toContain('no-such-host.invalid:443');
  });

  it('tunnels to an IPv6 literal [::1]:port', async (ctx) => {
    const v6 = net.createServer((s) => s.on('data', (d: Buffer) => s.end(`v6:${d.toString()}`)));
    const listening = await new Promise<boolean>((resolve) => {
      v6.once('error', () => resolve(false));
      v6.listen(0, '::1', () => resolve(true));
    });
    if (!listening) return ctx.skip(); // no IPv6 loopback on this machine
    const port = (v6.address() as AddressInfo).port;
    try {
      rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward, connectPorts: [${port}] }
`);
      const r = await rawRequest(rig.portOf('egress'), `CONNECT [::1]:${port} HTTP/1.1\r\nHost: [::1]:${port}\r\n\r\nping`, { until: (d) => d.includes('v6:ping') });
      expect(r.text).toMatch(/^HTTP\/1\.1 200 /);
      expect(r.text).toContain('v6:ping');
    } finally {
      await new Promise((r) => v6.close(r));
    }
  });
});

describe('interception of an IP literal', () => {
  it('presents a leaf for the IP (no SNI) that openssl verifies against the Switchyard CA', async () => {
    rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward, connectPorts: [${tlsOrigin.port}], intercept: ["127.0.0.1"] }
`);
    const caPath = (await rig.engine.certificates.localCa()).certPath;
    const proxy = `127.0.0.1:${rig.portOf('egress')}`;
    // stdin closed at once: s_client handshakes, prints, and quits.
    const sClient = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      const args = ['s_client', '-proxy', proxy, '-connect', `127.0.0.1:${tlsOrigin.port}`, '-CAfile', caPath, '-verify_ip', '127.0.0.1', '-verify_return_error', '-showcerts'];
      const p = execFile('openssl', args, { timeout: 10_000 }, (_err, stdout, stderr) => resolve({ stdout, stderr }));
      p.stdin!.end();
    });
    const out = sClient.stdout + sClient.stderr;
    expect(out).toContain('Verify return code: 0 (ok)');
    expect(out).toMatch(/i:\s*CN\s*=\s*Switchyard Local CA/);
    const leafPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(sClient.stdout)![0];
    const text = await new Promise<string>((resolve, reject) => {
      const p = execFile('openssl', ['x509', '-noout', '-text', '-dates'], (err, stdout) => (err ? reject(err) : resolve(stdout)));
      p.stdin!.end(leafPem);
    });
    expect(text).toContain('IP Address:127.0.0.1');
    expect(text).toContain('TLS Web Server Authentication');
    const notBefore = Date.parse(/notBefore=(.+)/.exec(text)![1]);
    const notAfter = Date.parse(/notAfter=(.+)/.exec(text)![1]);
    expect(notBefore).toBeLessThanOrEqual(Date.now());
    expect(notAfter).toBeGreaterThan(Date.now() + 24 * 3600_000);
    expect(notAfter - notBefore).toBeLessThanOrEqual(8 * 24 * 3600_000);
  });
});
