/** Issues a short-lived server certificate for DNS names and IP addresses, signed by the local CA. */
import { isIP } from 'node:net';
import { EC_ALGORITHM, randomSerial, x509, type CryptoKey } from './x509-provider.js';

/** Short validity: leaves are cheap to reissue and never need revoking. */
export const LEAF_VALIDITY_DAYS = 7;
const DAY_MS = 86_400_000;

export interface Issuer {
  cert: x509.X509Certificate;
  privateKey: CryptoKey;
}

export interface LeafKeys {
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}

/** Normalises a requested name: lower-case DNS name, IPv6 without brackets. */
export function normaliseName(name: string): string {
  const trimmed = name.trim().toLowerCase().replace(/\.$/, '');
  return trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
}

/** `names[0]` becomes the subject CN; every name goes into the SAN. */
export async function issueLeaf(names: readonly string[], issuer: Issuer, keys: LeafKeys, now = new Date()): Promise<x509.X509Certificate> {
  const name = names[0];
  const notAfter = new Date(Math.min(now.getTime() + LEAF_VALIDITY_DAYS * DAY_MS, issuer.cert.notAfter.getTime()));
  // CN is limited to 64 characters; the SAN is what clients check anyway.
  const subject = name.length <= 64 ? `CN=${name}` : 'CN=switchyard-leaf';
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: issuer.cert.subject,
    notBefore: new Date(now.getTime() - 3_600_000),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: EC_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(
        names.map((n) => ({ type: isIP(n) !== 0 ? ('ip' as const) : ('dns' as const), value: n })),
        false,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert, false),
    ],
  });
}
