/** https:// upstreams: verification (system store + extra CAs), clear 502s, insecure, SNI, mTLS and HTTP/2. */
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import { startTlsGateway, type TlsGateway } from './rig.js';
import { testCa, writePems, type TestCa } from './certs.js';

let ca: TestCa;
let clientCa: TestCa;
let files: Record<string, string> & { dir: string };
const servers: { close(): void }[] = [];

interface Seen {
  sni: string | false | null | undefined;
  host: string | undefined;
  httpVersion: string;
  clientCert: boolean;
}

async function upstream(opts: https.ServerOptions & { h2?: boolean }): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const handler = (req: { socket: unknown; headers: Record<string, unknown>; httpVersion: string }, res: { end(b: string): void }) => {
    const socket = req.socket as TLSSocket;
    seen.push({ sni: socket.servername, host: (req.headers.host ?? req.headers[':authority']) as string, httpVersion: req.httpVersion, clientCert: socket.authorized === true });
    res.end('secure upstream');
  };
  const server = opts.h2 ? http2.createSecureServer(opts, handler as never) : https.createServer(opts, handler as never);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({
    close: () => {
      (server as https.Server).closeAllConnections?.();
      server.close();
    },
  });
  return { port: (server.address() as AddressInfo).port, seen };
}

function workspace(target: string, tls: string, extra = ''): string {
  return `
version: 1
listeners:
  - { name: web, address: 127.0.0.1:0 }
upstreams:
  app:
    targets: [{ url: ${target} }]
${tls ? `    tls: ${tls}` : ''}
${extra}
routes:
  - { name: all, match: { path: / }, upstream: app }
`;
}

async function through(yaml: string, path = '/'): Promise<{ status: number; body: string }> {
  const gw: TlsGateway = await startTlsGateway(yaml);
  try {
    const res = await request(`http://127.0.0.1:${gw.portOf('web')}${path}`, { headers: { host: 'app.localhost' } });
    return { status: res.statusCode, body: await res.body.text() };
  } finally {
    await gw.stop();
  }
}

beforeAll(async () => {
  ca = await testCa();
  clientCa = await testCa();
  const good = await ca.issue(['localhost', 'api.internal']);
  const expired = await ca.issue(['localhost'], { validFromDays: -30, validToDays: -1 });
  const otherHost = await ca.issue(['elsewhere.test']);
  const client = await clientCa.issue(['switchyard-client'], { client: true });
  files = await writePems({
    'ca.pem': ca.certPem,
    'good.pem': good.cert,
    'good.key': good.key,
    'expired.pem': expired.cert,
    'expired.key': expired.key,
    'other.pem': otherHost.cert,
    'other.key': otherHost.key,
    'client-ca.pem': clientCa.certPem,
    'client.pem': client.cert,
    'client.key': client.key,
  });
});
afterAll(async () => {
  for (const s of servers) s.close();
  await rm(files.dir, { recursive: true, force: true });
});

describe('upstream certificate verification', () => {
  it('trusts an extra CA, sends the target name as SNI and keeps the client Host', async () => {
    const up = await upstream(pair('good'));
    const r = await through(workspace(`https://localhost:${up.port}`, `{ ca: [${files['ca.pem']}] }`));
    expect(r.status).toBe(200);
    expect(r.body).toBe('secure upstream');
    expect(up.seen[0].sni).toBe('localhost');
    expect(up.seen[0].host).toBe('app.localhost');
  });

  it('refuses a certificate from an unknown CA with a 502 that says so', async () => {
    const up = await upstream(pair('good'));
    const r = await through(workspace(`https://localhost:${up.port}`, ''));
    expect(r.status).toBe(502);
    const problem = JSON.parse(r.body);
    expect(problem.code).toBe('UPSTREAM_TLS_FAILED');
    expect(problem.detail).toMatch(/unknown CA/);
  });

  it('refuses an expired certificate with a 502 that says so', async () => {
    const up = await upstream(pair('expired'));
    const r = await through(workspace(`https://localhost:${up.port}`, `{ ca: [${files['ca.pem']}] }`));
    expect(r.status).toBe(502);
    const problem = JSON.parse(r.body);
    expect(problem.code).toBe('UPSTREAM_TLS_FAILED');
    expect(problem.detail).toMatch(/expired/);
  });

  it('refuses a certificate for another host with a 502 that says so', async () => {
    const up = await upstream(pair('other'));
    const r = await through(workspace(`https://localhost:${up.port}`, `{ ca: [${files['ca.pem']}] }`));
    expect(r.status).toBe(502);
    const problem = JSON.parse(r.body);
    expect(problem.code).toBe('UPSTREAM_TLS_FAILED');
    expect(problem.detail).toMatch(/does not cover the host name/);
  });

  it('accepts anything with insecure: true, and validation warns about it', async () => {
    const up = await upstream(pair('expired'));
    const yaml = workspace(`https://localhost:${up.port}`, '{ insecure: true }');
    expect(loadWorkspaceText(yaml, 'w.yaml').issues.some((i) => i.severity === 'warning' && /insecure/.test(i.message))).toBe(true);
    const r = await through(yaml);
    expect(r.status).toBe(200);
  });

  it('uses the configured servername for SNI and verification (IP target)', async () => {
    const up = await upstream(pair('good'));
    const r = await through(workspace(`https://127.0.0.1:${up.port}`, `{ ca: [${files['ca.pem']}], servername: api.internal }`));
    expect(r.status).toBe(200);
    expect(up.seen[0].sni).toBe('api.internal');
  });

  it('sends no SNI to an IP target and verifies the IP', async () => {
    const up = await upstream(pair('good'));
    const r = await through(workspace(`https://127.0.0.1:${up.port}`, `{ ca: [${files['ca.pem']}] }`));
    // The certificate names localhost and api.internal, not 127.0.0.1.
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body).detail).toMatch(/does not cover/);
    expect(up.seen).toHaveLength(0);
  });
});

describe('client certificates and HTTP/2 to upstreams', () => {
  it('presents the client certificate to an upstream that requires one (mTLS)', async () => {
    const up = await upstream({ ...pair('good'), requestCert: true, rejectUnauthorized: true, ca: readFileSync(files['client-ca.pem']) });
    const without = await through(workspace(`https://localhost:${up.port}`, `{ ca: [${files['ca.pem']}] }`));
    expect(without.status).toBe(502);
    const withCert = await through(
      workspace(`https://localhost:${up.port}`, `{ ca: [${files['ca.pem']}], cert: ${files['client.pem']}, key: ${files['client.key']} }`),
    );
    expect(withCert.status).toBe(200);
    expect(up.seen.at(-1)?.clientCert).toBe(true);
  });

  it('speaks HTTP/2 to an upstream when http2: true', async () => {
    const up = await upstream({ ...pair('good'), h2: true });
    const r = await through(workspace(`https://localhost:${up.port}`, `{ ca: [${files['ca.pem']}] }`, '    http2: true'));
    expect(r.body).toBe('secure upstream');
    expect(r.status).toBe(200);
    expect(up.seen[0].httpVersion).toBe('2.0');
  });
});

function pair(name: string): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(files[`${name}.pem`]), key: readFileSync(files[`${name}.key`]) };
}

describe('active health checks of https:// targets', () => {
  /** Health events until `stopWhen` holds (given them and the probes that got through to the upstream), at most 10 s. */
  async function healthEvents(tls: string, stopWhen: (seen: boolean[], probes: number) => boolean): Promise<boolean[]> {
    const up = await upstream(pair('good'));
    const yaml = workspace(
      `https://localhost:${up.port}`,
      tls,
      '    healthCheck: { path: /, interval: 100ms, timeout: 1s, healthyAfter: 1, unhealthyAfter: 2 }',
    );
    const gw = await startTlsGateway(yaml);
    const seen: boolean[] = [];
    const off = gw.engine.events.on((e) => {
      if (e.type === 'health.change') seen.push(e.healthy);
    });
    const deadline = Date.now() + 10_000;
    while (!stopWhen(seen, up.seen.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    off();
    await gw.stop();
    return seen;
  }

  it('probe with the upstream TLS settings: healthy with the extra CA, down without it', async () => {
    // Trusted: several probes reach the upstream (well past unhealthyAfter), none marks it down.
    expect(await healthEvents(`{ ca: [${files['ca.pem']}] }`, (_seen, probes) => probes >= 5)).not.toContain(false);
    // Untrusted: marked down (waited for, not assumed to happen within a fixed 800 ms).
    expect(await healthEvents('', (seen) => seen.includes(false))).toContain(false);
  });
});
