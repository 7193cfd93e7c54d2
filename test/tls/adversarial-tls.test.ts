/**
 * TLS termination probed as a security reviewer would: versions and suites
 * under `minVersion: TLSv1.3` whatever certificate SNI picks, ALPN offers the
 * listener does not speak, SNI spellings, and certificate files that are
 * wrong at apply time (mismatched key, expired) failing with a clear error,
 * and upstream certificates refused for a reason the 502 must name.
 */
import { rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCa, writePems, type TestCa } from './certs.js';
import { run, startEcho, startTlsGateway, tlsWorkspace, type Echo } from './rig.js';

let echo: Echo;
let ca: TestCa;
const dirs: string[] = [];
beforeAll(async () => {
  echo = await startEcho();
  ca = await testCa();
});
afterAll(async () => {
  await echo?.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** The handshake outcome: protocol and ALPN, or the error. */
function handshake(port: number, opts: tls.ConnectionOptions): Promise<{ protocol: string | null; alpn: string | false | null; cn: string } | { error: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...opts }, () => {
      resolve({ protocol: socket.getProtocol(), alpn: socket.alpnProtocol, cn: String(socket.getPeerCertificate().subject?.CN) });
      socket.end();
    });
    socket.on('error', (e) => resolve({ error: e.message }));
  });
}

async function sClient(port: number, args: string[]): Promise<string> {
  const r = await run('sh', ['-c', `echo | openssl s_client -connect 127.0.0.1:${port} ${args.join(' ')} 2>&1; true`]);
  return r.stdout;
}

async function filesTls(pairs: { cert: string; key: string }[], extra = ''): Promise<string> {
  const texts: Record<string, string> = {};
  pairs.forEach((p, i) => {
    texts[`${i}.pem`] = p.cert;
    texts[`${i}.key`] = p.key;
  });
  const files = await writePems(texts);
  dirs.push(files.dir);
  return `      certificates:\n${pairs.map((_, i) => `        - { cert: ${files[`${i}.pem`]}, key: ${files[`${i}.key`]} }`).join('\n')}${extra}`;
}

describe('protocol versions', () => {
  it('minVersion TLSv1.3 holds for certificates chosen by SNI (local CA), not only for the default one', async () => {
    const gw = await startTlsGateway(tlsWorkspace(echo.url, { tls: '      certificates: local-ca\n      minVersion: TLSv1.3' }));
    try {
      const port = gw.portOf('secure');
      for (const servername of [undefined, 'app.localhost']) {
        const r = await handshake(port, { servername, maxVersion: 'TLSv1.2' });
        expect(r).toHaveProperty('error');
        expect(await handshake(port, { servername })).toMatchObject({ protocol: 'TLSv1.3' });
      }
    } finally {
      await gw.stop();
    }
  });

  it('minVersion TLSv1.3 holds for certificate files chosen by SNI', async () => {
    const a = await ca.issue(['default.test']);
    const b = await ca.issue(['other.test']);
    const gw = await startTlsGateway(tlsWorkspace(echo.url, { tls: await filesTls([a, b], '\n      minVersion: TLSv1.3') }));
    try {
      const port = gw.portOf('secure');
      expect(await handshake(port, { servername: 'other.test', maxVersion: 'TLSv1.2' })).toHaveProperty('error');
      expect(await handshake(port, { servername: 'other.test' })).toMatchObject({ protocol: 'TLSv1.3', cn: 'other.test' });
    } finally {
      await gw.stop();
    }
  });

  it('refuses TLS 1.0, and TLS 1.2 CBC/RSA-kx suites, for SNI-issued leaves too', async () => {
    const gw = await startTlsGateway(tlsWorkspace(echo.url));
    try {
      const port = gw.portOf('secure');
      const v10 = await sClient(port, ['-servername', 'x.localhost', '-tls1']);
      expect(v10).not.toMatch(/New, TLSv1(\.0)?,/);
      for (const cipher of ['ECDHE-ECDSA-AES128-SHA', 'AES128-GCM-SHA256']) {
        const out = await sClient(port, ['-servername', 'x.localhost', '-tls1_2', '-cipher', cipher]);
        expect(out).toMatch(/New, \(NONE\)|alert|no shared cipher|error/i);
        expect(out).not.toMatch(new RegExp(`Cipher is ${cipher}`));
      }
      const good = await sClient(port, ['-servername', 'x.localhost', '-tls1_2']);
      expect(good).toMatch(/Cipher is ECDHE-ECDSA-(AES\d+-GCM|CHACHA20)/);
    } finally {
      await gw.stop();
    }
  });
});

describe('ALPN', () => {
  it('negotiates h2 or http/1.1 per offer, and an HTTP/1.1-only listener never claims h2', async () => {
    const gw = await startTlsGateway(
      tlsWorkspace(echo.url, { extraListeners: '  - { name: h1, address: 127.0.0.1:0, tls: { certificates: local-ca }, http2: false }' }),
    );
    try {
      const h2port = gw.portOf('secure');
      expect(await handshake(h2port, { servername: 'a.localhost', ALPNProtocols: ['h2', 'http/1.1'] })).toMatchObject({ alpn: 'h2' });
      expect(await handshake(h2port, { servername: 'a.localhost', ALPNProtocols: ['http/1.1'] })).toMatchObject({ alpn: 'http/1.1' });
      const h1 = await handshake(gw.portOf('h1'), { servername: 'a.localhost', ALPNProtocols: ['h2'] });
      if (!('error' in h1)) expect(h1.alpn).not.toBe('h2');
      expect(await handshake(gw.portOf('h1'), { servername: 'a.localhost', ALPNProtocols: ['h2', 'http/1.1'] })).toMatchObject({ alpn: 'http/1.1' });
    } finally {
      await gw.stop();
    }
  });
});

describe('SNI with certificate files', () => {
  it('matches a fully qualified SNI name with a trailing dot and upper case like the plain name', async () => {
    const a = await ca.issue(['default.test']);
    const b = await ca.issue(['api.example.test']);
    const w = await ca.issue(['*.apps.example.test']);
    const gw = await startTlsGateway(tlsWorkspace(echo.url, { tls: await filesTls([a, b, w]) }));
    try {
      const port = gw.portOf('secure');
      expect(await handshake(port, { servername: 'API.Example.Test' })).toMatchObject({ cn: 'api.example.test' });
      expect(await handshake(port, { servername: 'api.example.test.' })).toMatchObject({ cn: 'api.example.test' });
      expect(await handshake(port, { servername: 'shop.apps.example.test.' })).toMatchObject({ cn: '*.apps.example.test' });
      expect(await handshake(port, { servername: 'nobody.test' })).toMatchObject({ cn: 'default.test' });
    } finally {
      await gw.stop();
    }
  });
});

describe('certificate files wrong at apply time', () => {
  it('refuses a key that does not belong to the certificate, naming the listener, the pair and the files', async () => {
    const a = await ca.issue(['a.test']);
    const b = await ca.issue(['b.test']);
    const text = await filesTls([a, { cert: b.cert, key: a.key }]);
    const err = await startTlsGateway(tlsWorkspace(echo.url, { tls: text })).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/listener "secure".*certificates\[1\]/);
    expect(err?.message).toMatch(/1\.pem/);
    expect(err?.message).toMatch(/key values mismatch|does not match/i);
  });

  it('refuses an expired certificate, saying when it expired', async () => {
    const ok = await ca.issue(['ok.test']);
    const old = await ca.issue(['old.test'], { validFromDays: -30, validToDays: -2 });
    const err = await startTlsGateway(tlsWorkspace(echo.url, { tls: await filesTls([ok, old]) })).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/listener "secure".*certificates\[1\]/);
    expect(err?.message).toMatch(/expired/);
  });

  it('refuses an unreadable key file, naming the listener and the pair', async () => {
    const a = await ca.issue(['a.test']);
    const files = await writePems({ 'a.pem': a.cert });
    dirs.push(files.dir);
    const err = await startTlsGateway(
      tlsWorkspace(echo.url, { tls: `      certificates: [{ cert: ${files['a.pem']}, key: ${files.dir} }]` }),
    ).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/listener "secure".*certificates\[0\].*Cannot read|Cannot read.*listener "secure".*certificates\[0\]/);
  });
});

describe('upstream TLS refusals', () => {
  it('reports an upstream certificate not meant for servers (clientAuth-only) as UPSTREAM_TLS_FAILED, not a connect failure', async () => {
    const leaf = await ca.issue(['localhost'], { client: true });
    const pems = await writePems({ 'ca.pem': ca.certPem });
    dirs.push(pems.dir);
    const server = https.createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => res.end('secure'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const gw = await startTlsGateway(`
version: 1
listeners:
  - { name: web, address: 127.0.0.1:0 }
upstreams:
  app: { targets: [{ url: "https://localhost:${port}" }], tls: { ca: ["${pems['ca.pem']}"] } }
routes:
  - { name: all, match: { path: / }, upstream: app }
`);
    try {
      const res = await fetch(`http://127.0.0.1:${gw.portOf('web')}/`);
      const body = (await res.json()) as { code: string; detail: string };
      expect(res.status).toBe(502);
      expect(body.code).toBe('UPSTREAM_TLS_FAILED');
      expect(body.detail).toMatch(/purpose/);
    } finally {
      await gw.stop();
      server.closeAllConnections();
      server.close();
    }
  });
});
