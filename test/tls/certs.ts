/** Test certificates: a throwaway CA and leaves with chosen names, validity and purpose. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createCaCertificate } from '../../src-proxy/tls/ca-certificate.js';
import { EC_ALGORITHM, generateKeyPair, importPrivateKeyPem, privateKeyPem, randomSerial, x509 } from '../../src-proxy/tls/x509-provider.js';

export interface TestCa {
  certPem: string;
  keyPem: string;
  /** Issues a leaf; `daysFromNow` shifts its validity window (negative: already expired). */
  issue(names: string[], opts?: { validFromDays?: number; validToDays?: number; client?: boolean }): Promise<{ cert: string; key: string }>;
}

export async function testCa(): Promise<TestCa> {
  const ca = await createCaCertificate();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKeyPem(ca.keyPem);
  return {
    certPem: ca.certPem,
    keyPem: ca.keyPem,
    async issue(names, opts = {}) {
      const keys = await generateKeyPair();
      const day = 86_400_000;
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: `CN=${names[0]}`,
        issuer: caCert.subject,
        notBefore: new Date(Date.now() + (opts.validFromDays ?? -1) * day),
        notAfter: new Date(Date.now() + (opts.validToDays ?? 30) * day),
        publicKey: keys.publicKey,
        signingKey: caKey,
        signingAlgorithm: EC_ALGORITHM,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([opts.client ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIP(n) ? ('ip' as const) : ('dns' as const), value: n }))),
        ],
      });
      return { cert: cert.toString('pem') + '\n', key: await privateKeyPem(keys.privateKey) };
    },
  };
}

/** Writes PEM texts into a temp dir, returning their paths by name. */
export async function writePems(files: Record<string, string>): Promise<Record<string, string> & { dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-pem-'));
  const out: Record<string, string> = { dir };
  for (const [name, text] of Object.entries(files)) {
    out[name] = join(dir, name);
    await writeFile(out[name], text, { mode: 0o600 });
  }
  return out as Record<string, string> & { dir: string };
}
