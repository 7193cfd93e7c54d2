import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, TLSSocket, type Server } from 'node:tls';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caPaths, loadOrCreateCa } from './ca-files.js';
import { createCaCertificate } from './ca-certificate.js';
import { LEAF_CACHE_SIZE, openLocalCa, type LocalCa } from './local-ca.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sy-ca-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Serves contexts from the CA by SNI and returns the leaf certificate a client sees for `name`. */
async function presentedLeaf(ca: LocalCa, name: string): Promise<{ leaf: X509Certificate; authorized: boolean }> {
  const server: Server = createServer({ SNICallback: (sni, cb) => ca.contextFor(sni).then((c) => cb(null, c), cb) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', servername: name, ca: ca.certificatePem() }, () => {
        const leaf = socket.getPeerX509Certificate()!;
        resolve({ leaf, authorized: socket.authorized });
        socket.end();
      });
      socket.on('error', reject);
    });
  } finally {
    server.close();
  }
}

describe('local CA files', () => {
  it('creates a named, long-lived CA with a private key of mode 0600', async () => {
    const ca = await openLocalCa(dir);
    expect(ca.certPath).toBe(join(dir, 'ca', 'switchyard-ca.pem'));
    const cert = new X509Certificate(await readFile(ca.certPath));
    expect(cert.subject).toContain('CN=Switchyard Local CA');
    expect(cert.ca).toBe(true);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(Date.parse(cert.validTo) - Date.now()).toBeGreaterThan(5 * 365 * 86_400_000);
    expect((await stat(ca.keyPath)).mode & 0o777).toBe(0o600);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('reuses the same CA across opens and creates only one under concurrent opens', async () => {
    const [a, b, c] = await Promise.all([openLocalCa(dir), openLocalCa(dir), openLocalCa(dir)]);
    expect(b.certificatePem()).toBe(a.certificatePem());
    expect(c.certificatePem()).toBe(a.certificatePem());
    const again = await openLocalCa(dir);
    expect(again.certificatePem()).toBe(a.certificatePem());
    expect(await readFile(again.certPath, 'utf8')).toBe(a.certificatePem());
  });

  it('creates one CA when separate openers race (the file lock, as between processes)', async () => {
    const all = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateCa(dir)));
    expect(new Set(all.map((m) => m.certPem)).size).toBe(1);
    expect(await readFile(caPaths(dir).certPath, 'utf8')).toBe(all[0].certPem);
  });

  it('creates one CA when openers race to take over a stale lock (left by a process that died holding it)', async () => {
    for (let round = 0; round < 10; round++) {
      await rm(caPaths(dir).dir, { recursive: true, force: true });
      await mkdir(caPaths(dir).dir, { recursive: true });
      const lock = join(caPaths(dir).dir, '.lock');
      await writeFile(lock, '');
      const longAgo = new Date(Date.now() - 3_600_000);
      await utimes(lock, longAgo, longAgo);
      // Staggered, so one opener may already hold a fresh lock when another decides the old one is stale.
      const all = await Promise.all(Array.from({ length: 8 }, (_, i) => delay(i % 4).then(() => loadOrCreateCa(dir))));
      expect(new Set(all.map((m) => m.certPem)).size).toBe(1);
      expect(await readFile(caPaths(dir).certPath, 'utf8')).toBe(all[0].certPem);
      expect(await readFile(caPaths(dir).keyPath, 'utf8')).toBe(all[0].keyPem);
    }
  });

  it('regenerates when asked and when the CA expires within 30 days', async () => {
    const first = await openLocalCa(dir);
    const regenerated = await openLocalCa(dir, { regenerate: true });
    expect(regenerated.certificatePem()).not.toBe(first.certificatePem());

    // A CA created 3640 days ago has 10 days left: it must be renewed on open.
    const old = await createCaCertificate(new Date(Date.now() - 3640 * 86_400_000));
    const paths = caPaths(dir);
    await writeFile(paths.certPath, old.certPem);
    await writeFile(paths.keyPath, old.keyPem, { mode: 0o600 });
    const renewed = await openLocalCa(dir);
    expect(renewed.certificatePem()).not.toBe(old.certPem);
    expect(Date.parse(new X509Certificate(renewed.certificatePem()).validTo)).toBeGreaterThan(Date.now() + 3000 * 86_400_000);
  });
});

describe('issued leaf certificates', () => {
  it('have the SAN, key usage, short validity and a chain to the CA', async () => {
    const ca = await openLocalCa(dir);
    const caCert = new X509Certificate(ca.certificatePem());
    const { leaf, authorized } = await presentedLeaf(ca, 'api.localhost');
    expect(authorized).toBe(true);
    expect(leaf.subjectAltName).toBe('DNS:api.localhost');
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extKeyUsage serverAuth
    const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6);
    expect(days).toBeLessThanOrEqual(7);
    expect(leaf.checkHost('api.localhost')).toBe('api.localhost');
    expect(leaf.checkHost('other.localhost')).toBeUndefined();
  });

  it('carry IP address SANs', async () => {
    const ca = await openLocalCa(dir);
    const { leaf } = await presentedLeafForIp(ca, '127.0.0.1');
    expect(leaf.subjectAltName).toBe('IP Address:127.0.0.1');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('reuses cached contexts and keeps the cache bounded over 500 distinct names', async () => {
    const ca = await openLocalCa(dir);
    const first = await ca.contextFor('Reuse.Localhost');
    expect(await ca.contextFor('reuse.localhost')).toBe(first);
    expect(ca.issuedCount).toBe(1);
    const [x, y] = await Promise.all([ca.contextFor('same.localhost'), ca.contextFor('same.localhost')]);
    expect(x).toBe(y);
    expect(ca.issuedCount).toBe(2);

    for (let i = 0; i < 500; i++) await ca.contextFor(`host-${i}.localhost`);
    expect(ca.issuedCount).toBe(502);
    expect(ca.cacheSize).toBe(LEAF_CACHE_SIZE);
    // The oldest names were evicted and are issued again; recent ones are reused.
    await ca.contextFor('host-499.localhost');
    expect(ca.issuedCount).toBe(502);
    await ca.contextFor('host-0.localhost');
    expect(ca.issuedCount).toBe(503);
  }, 60_000);
});

/** Like presentedLeaf, but without SNI (clients do not send IP addresses as SNI): the listener picks the name. */
async function presentedLeafForIp(ca: LocalCa, ip: string): Promise<{ leaf: X509Certificate }> {
  const secureContext = await ca.contextFor(ip);
  const server = createNetServer((raw) => {
    const tlsSocket = new TLSSocket(raw, { isServer: true, secureContext });
    tlsSocket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, ip, r));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve, reject) => {
      const socket = connect({ port, host: ip, ca: ca.certificatePem() }, () => {
        expect(socket.authorized).toBe(true);
        resolve({ leaf: socket.getPeerX509Certificate()! });
        socket.end();
      });
      socket.on('error', reject);
    });
  } finally {
    server.close();
  }
}
