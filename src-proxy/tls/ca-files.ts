/**
 * The CA's files under `<dataDir>/ca/`: loads them, creates them on first use and
 * renews them near expiry. A lock file keeps concurrent processes from creating
 * two different CAs; files are written to a temp name and renamed into place.
 */
import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SwitchyardError } from '../errors.js';
import { createCaCertificate, type CaMaterial } from './ca-certificate.js';

export const CA_CERT_FILE = 'switchyard-ca.pem';
export const CA_KEY_FILE = 'switchyard-ca-key.pem';
/** Renewed when it expires within this many days. */
export const CA_RENEW_DAYS = 30;
const LOCK_STALE_MS = 30_000;

export interface CaPaths {
  dir: string;
  certPath: string;
  keyPath: string;
}

export function caPaths(dataDir: string): CaPaths {
  const dir = join(dataDir, 'ca');
  return { dir, certPath: join(dir, CA_CERT_FILE), keyPath: join(dir, CA_KEY_FILE) };
}

/** Loads the CA, creating or renewing it when needed (or when `regenerate` is set). */
export async function loadOrCreateCa(dataDir: string, opts: { regenerate?: boolean } = {}): Promise<CaMaterial> {
  const paths = caPaths(dataDir);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  if (!opts.regenerate) {
    const found = await readCa(paths);
    if (found.kind === 'usable') return found.material;
  }
  return withLock(paths, async () => {
    // Another process may have created it while we waited for the lock (or been mid-way through
    // writing it when we first looked: a damaged pair outside the lock is read again under it).
    if (!opts.regenerate) {
      const found = await readCa(paths);
      if (found.kind === 'usable') return found.material;
      if (found.kind === 'damaged') {
        // Replacing it silently would swap the root users trusted: that takes an explicit regenerate.
        throw new SwitchyardError(
          'CONFIG_INVALID',
          `The local CA in ${paths.dir} is damaged: ${found.why} (${paths.certPath}, ${paths.keyPath}). Run "switchyard ca regenerate" to create a new one, then trust it again.`,
        );
      }
    }
    const material = await createCaCertificate();
    await writeAtomically(paths.keyPath, material.keyPem, 0o600);
    await writeAtomically(paths.certPath, material.certPem, 0o644);
    return material;
  });
}

type FoundCa = { kind: 'usable'; material: CaMaterial } | { kind: 'missing' } | { kind: 'expiring' } | { kind: 'damaged'; why: string };

async function readCa(paths: CaPaths): Promise<FoundCa> {
  let certPem: string;
  let keyPem: string;
  try {
    [certPem, keyPem] = await Promise.all([readFile(paths.certPath, 'utf8'), readFile(paths.keyPath, 'utf8')]);
  } catch {
    return { kind: 'missing' };
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    return { kind: 'damaged', why: `the certificate cannot be read (${(err as Error).message})` };
  }
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch (err) {
    return { kind: 'damaged', why: `the private key cannot be read (${(err as Error).message})` };
  }
  // Leaves signed with another key would chain to nothing clients trust.
  if (!matches) return { kind: 'damaged', why: 'the private key does not belong to the certificate' };
  const renewAt = Date.parse(cert.validTo) - CA_RENEW_DAYS * 86_400_000;
  if (Date.now() >= renewAt) return { kind: 'expiring' };
  return { kind: 'usable', material: { certPem, keyPem } };
}

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  // Unique per call: two writers in one process (or one millisecond) must never share a temp file.
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

async function withLock<T>(paths: CaPaths, fn: () => Promise<T>): Promise<T> {
  const lockPath = join(paths.dir, '.lock');
  for (;;) {
    try {
      await (await open(lockPath, 'wx')).close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const broken = (await lockAge(lockPath)) > LOCK_STALE_MS && (await breakStaleLock(lockPath));
      if (!broken) await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

/** Milliseconds since the file was created (0 when it is gone). */
function lockAge(path: string): Promise<number> {
  return stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
}

/**
 * Removes a lock left by a process that died holding it. Several openers may
 * judge it stale at once, and deleting it by name after one of them has broken
 * it and taken a fresh lock would let two hold it (two CAs, a key of one and a
 * certificate of the other). So only the holder of a second, short-lived
 * guard file may delete the lock, after looking at its age again.
 */
async function breakStaleLock(lockPath: string): Promise<boolean> {
  const guard = `${lockPath}.breaking`;
  try {
    await (await open(guard, 'wx')).close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A guard this old belongs to a process that died while breaking the lock.
    if ((await lockAge(guard)) > LOCK_STALE_MS) await rm(guard, { force: true });
    return false;
  }
  try {
    if ((await lockAge(lockPath)) <= LOCK_STALE_MS) return false;
    await rm(lockPath, { force: true });
    return true;
  } finally {
    await rm(guard, { force: true });
  }
}
