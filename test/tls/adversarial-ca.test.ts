/**
 * The local CA's files under stress: separate processes creating it at the
 * same moment, and files that are damaged or do not belong together. Leaves
 * must never be signed with a key that does not match the CA certificate
 * clients were told to trust.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createCaCertificate } from '../../src-proxy/tls/ca-certificate.js';
import { caPaths } from '../../src-proxy/tls/ca-files.js';
import { openLocalCa } from '../../src-proxy/tls/local-ca.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sy-ca-adv-'));
  dirs.push(d);
  return d;
}

/** True when a leaf issued by `dataDir`'s CA verifies against the CA certificate in its file. */
async function leafVerifies(dataDir: string): Promise<boolean> {
  const ca = await openLocalCa(dataDir);
  const { cert } = await ca.credentialsFor(['check.localhost']);
  const leaf = new X509Certificate(cert);
  const caCert = new X509Certificate(await readFile(caPaths(dataDir).certPath));
  return leaf.verify(caCert.publicKey);
}

describe('the local CA across processes', () => {
  it('creates one CA when four processes open it at the same moment', async () => {
    const dataDir = await tempDir();
    const script = `
      import { openLocalCa } from ${JSON.stringify(resolve('src-proxy/tls/local-ca.ts'))};
      const ca = await openLocalCa(process.argv[1]);
      process.stdout.write(ca.certificatePem());
    `;
    const outs = await Promise.all(
      Array.from({ length: 4 }, () => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir], { cwd: process.cwd() })),
    );
    const pems = new Set(outs.map((o) => o.stdout));
    expect(pems.size).toBe(1);
    expect(await readFile(caPaths(dataDir).certPath, 'utf8')).toBe([...pems][0]);
    expect((await stat(caPaths(dataDir).keyPath)).mode & 0o777).toBe(0o600);
    expect(await leafVerifies(dataDir)).toBe(true);
  }, 60_000);
});

describe('damaged CA files', () => {
  it('never signs leaves with a key that does not belong to the CA certificate', async () => {
    const dataDir = await tempDir();
    const paths = caPaths(dataDir);
    await mkdir(paths.dir, { recursive: true });
    const one = await createCaCertificate();
    const other = await createCaCertificate();
    // A certificate with another CA's key: e.g. a half-finished regenerate seen by another process, or a bad copy.
    await writeFile(paths.certPath, one.certPem);
    await writeFile(paths.keyPath, other.keyPem, { mode: 0o600 });
    const outcome = await openLocalCa(dataDir).then(
      async () => ((await leafVerifies(dataDir)) ? 'consistent' : 'mismatched leaves'),
      (e: Error) => `error: ${e.message}`,
    );
    expect(outcome).not.toBe('mismatched leaves');
    expect(outcome).toMatch(/consistent|error: .*switchyard ca regenerate/);
  });

  it('explains an unreadable CA key instead of failing with a crypto error', async () => {
    const dataDir = await tempDir();
    const paths = caPaths(dataDir);
    await mkdir(paths.dir, { recursive: true });
    const one = await createCaCertificate();
    await writeFile(paths.certPath, one.certPem);
    await writeFile(paths.keyPath, '-----BEGIN PRIVATE KEY-----\ntruncated\n', { mode: 0o600 });
    await expect(openLocalCa(dataDir)).rejects.toThrow(/switchyard-ca-key\.pem.*switchyard ca regenerate/s);
  });
});
