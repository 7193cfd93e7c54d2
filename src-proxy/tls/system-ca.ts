/**
 * The trust store for upstream TLS: Node's bundled roots, the operating system's
 * bundle when there is one (so CAs installed on the machine are trusted, as curl
 * does), and NODE_EXTRA_CA_CERTS. Read once per process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

const OS_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // macOS, Alpine
];

let cached: string[] | null = null;

export function systemCaCertificates(): string[] {
  if (cached !== null) return cached;
  const out = [...rootCertificates];
  const bundle = OS_BUNDLES.find((p) => existsSync(p));
  if (bundle) out.push(readFileSync(bundle, 'utf8'));
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (extra && existsSync(extra)) out.push(readFileSync(extra, 'utf8'));
  cached = out;
  return out;
}
