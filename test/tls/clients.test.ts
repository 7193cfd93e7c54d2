/** Real clients against a local-CA TLS listener: curl (HTTP/1.1 and HTTP/2), undici, openssl s_client. */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import { LEAF_CACHE_SIZE } from '../../src-proxy/tls/local-ca.js';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startEcho, startTlsGateway, tlsWorkspace, type Echo, type TlsGateway } from './rig.js';

let echo: Echo;
let gw: TlsGateway;
let port: number;
let caFile: string;

beforeAll(async () => {
  echo = await startEcho();
  gw = await startTlsGateway(tlsWorkspace(echo.url));
  port = gw.portOf('secure');
  caFile = (await gw.engine.certificates.localCa()).certPath;
});
afterAll(async () => {
  await gw?.stop();
  await echo?.close();
});

async function curl(args: string[]): Promise<{ status: number; version: string; body: string }> {
  const { stdout } = await run('curl', ['-sS', '--cacert', caFile, '-w', '\n%{http_code} %{http_version}', ...args]);
  const nl = stdout.lastIndexOf('\n');
  const [status, version] = stdout.slice(nl + 1).split(' ');
  return { status: Number(status), version, body: stdout.slice(0, nl) };
}

describe('curl trusting the local CA', () => {
  it('speaks HTTP/2 with --http2, mapping :authority to Host upstream', async () => {
    const r = await curl(['--http2', '--resolve', `api.localhost:${port}:127.0.0.1`, `https://api.localhost:${port}/v1/items?x=1`]);
    expect(r.status).toBe(200);
    expect(r.version).toBe('2');
    const seen = JSON.parse(r.body);
    expect(seen.url).toBe('/v1/items?x=1');
    expect(seen.headers.host).toBe(`api.localhost:${port}`);
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(Object.keys(seen.headers).some((h: string) => h.startsWith(':'))).toBe(false);
  });

  it('speaks HTTP/1.1 with --http1.1', async () => {
    const r = await curl(['--http1.1', '--resolve', `api.localhost:${port}:127.0.0.1`, `https://api.localhost:${port}/one`]);
    expect(r.status).toBe(200);
    expect(r.version).toBe('1.1');
    expect(JSON.parse(r.body).url).toBe('/one');
  });
});

describe('undici trusting the CA file', () => {
  it('verifies the chain and gets a response over HTTP/1.1 and HTTP/2', async () => {
    const ca = await readFile(caFile, 'utf8');
    for (const allowH2 of [false, true]) {
      const dispatcher = new Agent({ connect: { ca }, allowH2 });
      const res = await request(`https://localhost:${port}/undici`, { dispatcher });
      expect(res.statusCode).toBe(200);
      const seen = (await res.body.json()) as { url: string; headers: Record<string, string> };
      expect(seen.url).toBe('/undici');
      expect(seen.headers.host).toBe(`localhost:${port}`);
      await dispatcher.close();
    }
  });

  it('is refused without the CA (the certificate is not publicly trusted)', async () => {
    const dispatcher = new Agent();
    await expect(request(`https://localhost:${port}/`, { dispatcher })).rejects.toThrow(/certificate/i);
    await dispatcher.close();
  });
});

describe('openssl s_client', () => {
  async function sClient(args: string[]): Promise<string> {
    const { stdout } = await run('sh', ['-c', `echo | openssl s_client -connect 127.0.0.1:${port} -CAfile ${caFile} -showcerts ${args.join(' ')} 2>&1; true`]);
    return stdout;
  }

  it('presents a leaf for the SNI name, chained to the CA, and offers h2 and http/1.1', async () => {
    const out = await sClient(['-servername', 'shop.localhost', '-alpn', 'h2,http/1.1']);
    expect(out).toMatch(/Verify return code: 0 \(ok\)/);
    expect(out).toMatch(/New, TLSv1\.3/);
    expect(out).toMatch(/ALPN protocol: h2/);
    expect(out).toMatch(/0 s:CN = shop\.localhost/);
    expect(out).toMatch(/1 s:CN = Switchyard Local CA/);
    const pems = out.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const leaf = new X509Certificate(pems[0] ?? "");
    expect(leaf.subjectAltName).toBe('DNS:shop.localhost');
  });

  it('negotiates http/1.1 when the client offers only that, and picks another leaf for another name', async () => {
    const out = await sClient(['-servername', 'other.localhost', '-alpn', 'http/1.1']);
    expect(out).toMatch(/ALPN protocol: http\/1\.1/);
    expect(out).toMatch(/0 s:CN = other\.localhost/);
  });

  it('without SNI presents the loopback certificate (localhost, 127.0.0.1, ::1)', async () => {
    const out = await sClient(['-noservername']);
    const pems = out.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const leaf = new X509Certificate(pems[0] ?? "");
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('localhost')).toBe('localhost');
  });

  it('refuses TLS 1.1 and weak ciphers', async () => {
    const old = await sClient(['-servername', 'a.localhost', '-tls1_1']);
    // The session summary shows "Protocol : TLSv1.1" only on success ("New, (NONE)" on failure).
    expect(old).not.toMatch(/New, TLSv1\.1/);
    expect(old).toMatch(/alert|no protocols available/i);
    const weak = await sClient(['-servername', 'a.localhost', '-tls1_2', '-cipher', 'AES128-SHA']);
    expect(weak).toMatch(/alert handshake failure|no shared cipher|error/i);
  });
});

describe('many SNI names', () => {
  it('handles 500 distinct names with a bounded certificate cache and keeps serving', async () => {
    const ca = await gw.engine.certificates.localCa();
    const caPem = ca.certificatePem();
    const handshake = (servername: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ port, host: '127.0.0.1', servername, ca: caPem }, () => {
          resolve(String(socket.getPeerCertificate().subject.CN));
          socket.end();
        });
        socket.on('error', reject);
      });
    const issuedBefore = ca.issuedCount;
    for (let batch = 0; batch < 500; batch += 25) {
      const names = Array.from({ length: 25 }, (_, i) => `n${batch + i}.many.localhost`);
      expect(await Promise.all(names.map(handshake))).toEqual(names);
    }
    expect(ca.issuedCount - issuedBefore).toBe(500);
    expect(ca.cacheSize).toBeLessThanOrEqual(LEAF_CACHE_SIZE);
    const r = await curl(['--http2', `https://localhost:${port}/after`]);
    expect(r.status).toBe(200);
  }, 120_000);
});
