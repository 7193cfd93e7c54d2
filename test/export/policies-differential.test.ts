/**
 * Same behaviour for policies (the gateway example): authentication, IP
 * rules, header changes, CORS, body limits and rate limits, and the TLS
 * listener (HTTP/2 by ALPN, forwarded proto https), through
 * Switchyard and the real nginx, HAProxy and Caddy. Caddy has no rate
 * limiting without a plugin; the report declares it and the test asserts it.
 */
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/gateway.js';
import { GATEWAYS, send, startFleet, type Fleet, type GatewayName, type Req } from './fleet.js';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet('gateway');
}, 30_000);
afterAll(async () => {
  await fleet?.stop();
});

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

async function everywhere(req: Req) {
  return Promise.all(GATEWAYS.map(async (g) => [g, await send(fleet.port[g], req)] as const));
}

function declaredUnsupported(g: GatewayName, subject: string): boolean {
  return g !== 'switchyard' && fleet.notes[g].some((n) => n.subject === subject && n.fidelity === 'unsupported');
}

describe('api-key', () => {
  it.each([
    ['no key → 401', {}, 401],
    ['an unknown key → 403', { 'x-api-key': 'nope' }, 403],
    ['a known key → 200', { 'x-api-key': 'k-partner-1' }, 200],
  ] as const)('%s everywhere', async (_, headers, status) => {
    for (const [g, a] of await everywhere({ path: '/partners/orders', headers })) {
      expect({ g, status: a.status }).toEqual({ g, status });
      // The key is removed before the request goes upstream.
      if (status === 200) expect({ g, key: a.echo!.headers['x-api-key'] }).toEqual({ g, key: undefined });
    }
  });

  it('a method the route does not allow falls through to no route (404)', async () => {
    for (const [g, a] of await everywhere({ method: 'DELETE', path: '/partners/orders', headers: { 'x-api-key': 'k-partner-1' } })) {
      expect({ g, status: a.status }).toEqual({ g, status: 404 });
    }
  });
});

describe('basic-auth', () => {
  it.each([
    ['no credentials → 401', undefined, 401],
    ['a wrong password → 401', basic('ops', 'guess'), 401],
    ['the right password → 200', basic('ops', 'let-me-in'), 200],
  ] as const)('%s everywhere', async (_, authorization, status) => {
    for (const [g, a] of await everywhere({ path: '/admin/users', headers: authorization ? { authorization } : {} })) {
      expect({ g, status: a.status }).toEqual({ g, status });
      if (status === 401) expect({ g, challenge: String(a.headers['www-authenticate']) }).toEqual({ g, challenge: expect.stringMatching(/^Basic realm="admin"/) as string });
      else expect({ g, authorization: a.echo!.headers.authorization }).toEqual({ g, authorization: undefined });
    }
  });
});

describe('headers and CORS', () => {
  it('request headers set and removed, response security headers added', async () => {
    for (const [g, a] of await everywhere({ path: '/public/page', headers: { 'x-debug': '1' } })) {
      expect({ g, status: a.status, gateway: a.echo?.headers['x-gateway'], debug: a.echo?.headers['x-debug'] }).toEqual({ g, status: 200, gateway: 'switchyard', debug: undefined });
      expect({ g, nosniff: a.headers['x-content-type-options'], frame: a.headers['x-frame-options'], servedBy: a.headers['x-served-by'] }).toEqual({
        g,
        nosniff: 'nosniff',
        frame: 'DENY',
        servedBy: 'switchyard',
      });
    }
  });

  it('an allowed origin is echoed with credentials; a preflight is answered by the gateway', async () => {
    for (const [g, a] of await everywhere({ path: '/public/data', headers: { origin: 'https://shop.example.test' } })) {
      expect({ g, origin: a.headers['access-control-allow-origin'], cred: a.headers['access-control-allow-credentials'] }).toEqual({
        g,
        origin: 'https://shop.example.test',
        cred: 'true',
      });
    }
    const preflight = { method: 'OPTIONS', path: '/public/data', headers: { origin: 'https://app.example.test', 'access-control-request-method': 'PUT' } };
    for (const [g, a] of await everywhere(preflight)) {
      expect({ g, status: a.status, upstream: a.echo?.server }).toEqual({ g, status: 204, upstream: undefined });
      expect({ g, origin: a.headers['access-control-allow-origin'], methods: String(a.headers['access-control-allow-methods']) }).toEqual({
        g,
        origin: 'https://app.example.test',
        methods: expect.stringContaining('PUT') as string,
      });
    }
  });
});

describe('body-limit and rate-limit', () => {
  it('a body over 1MB → 413 everywhere; under it → 200', async () => {
    const key = { 'x-api-key': 'k-partner-2' };
    for (const [g, a] of await everywhere({ method: 'POST', path: '/partners/upload', headers: key, body: Buffer.alloc(1024 * 1024 + 10) })) {
      expect({ g, status: a.status }).toEqual({ g, status: 413 });
    }
    for (const [g, a] of await everywhere({ method: 'POST', path: '/partners/upload', headers: key, body: Buffer.alloc(1000) })) {
      expect({ g, status: a.status }).toEqual({ g, status: 200 });
    }
  });

  it.each(GATEWAYS.map((g) => [g]))('%s: 10 per second per client on /admin (Caddy: declared unsupported)', async (g) => {
    await sleep(1100); // earlier /admin requests leave the one-second window
    // All at once, so the limit is reached however slow the machine is.
    const statuses = await Promise.all(
      Array.from({ length: 30 }, async () => (await send(fleet.port[g], { path: '/admin/x', headers: { authorization: basic('ops', 'let-me-in') } })).status),
    );
    const count = (s: number) => statuses.filter((x) => x === s).length;
    if (declaredUnsupported(g, 'route admin: policy per-ip')) {
      expect(count(200)).toBe(30);
      return;
    }
    expect(count(200)).toBeGreaterThanOrEqual(10);
    expect(count(429)).toBeGreaterThan(0);
    expect(count(200) + count(429)).toBe(30);
  });
});

describe('the TLS listener', () => {
  it.each(GATEWAYS.map((g) => [g]))('%s: offers h2 by ALPN with TLS 1.2+', async (g) => {
    const socket = tls.connect({ host: '127.0.0.1', port: fleet.ports[g][1], servername: 'localhost', ALPNProtocols: ['h2', 'http/1.1'], rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    expect([socket.alpnProtocol, socket.getProtocol()]).toEqual(['h2', expect.stringMatching(/^TLSv1\.[23]$/) as string]);
    socket.destroy();
  });

  it('forwards with X-Forwarded-Proto https and the same Forwarded element everywhere', async () => {
    const get = (port: number) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const r = https.get({ host: '127.0.0.1', port, path: '/public/tls', servername: 'localhost', headers: { host: 'localhost' }, rejectUnauthorized: false, agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => {
            const echo = JSON.parse(body) as { server: string; url: string; headers: Record<string, string> };
            resolve({ status: res.statusCode, server: echo.server, url: echo.url, proto: echo.headers['x-forwarded-proto'], forwarded: echo.headers.forwarded });
          });
        });
        r.on('error', reject);
      });
    const answers = await Promise.all(GATEWAYS.map(async (g) => [g, await get(fleet.ports[g][1])] as const));
    expect(answers[0][1]).toMatchObject({ status: 200, proto: 'https', forwarded: 'for=127.0.0.1;host=localhost;proto=https' });
    for (const [g, a] of answers.slice(1)) expect({ g, ...a, server: undefined }).toEqual({ g, ...answers[0][1], server: undefined });
  });
});
