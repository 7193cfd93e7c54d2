/** What the workbench shows about the local CA, read from its files without creating them. */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { caPaths } from './ca-files.js';
import { caInstallHelp } from './install-help.js';

export interface CaInfo {
  path: string;
  exists: boolean;
  subject: string | null;
  /** ISO 8601. */
  notAfter: string | null;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint256: string | null;
  installHelp: string;
}

export async function readCaInfo(dataDir: string): Promise<CaInfo> {
  const path = caPaths(dataDir).certPath;
  const installHelp = caInstallHelp(path);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(await readFile(path));
  } catch {
    return { path, exists: false, subject: null, notAfter: null, fingerprint256: null, installHelp };
  }
  return {
    path,
    exists: true,
    subject: cert.subject.replace(/\n/g, ', '),
    notAfter: new Date(cert.validTo).toISOString(),
    fingerprint256: cert.fingerprint256,
    installHelp,
  };
}
