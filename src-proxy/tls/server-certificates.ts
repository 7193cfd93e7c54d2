/**
 * The certificates a TLS listener presents: issued by the local CA per SNI name,
 * or chosen from certificate files by SNI. Either way there is a default pair for
 * clients that send no SNI (IP addresses are never sent as SNI).
 */
import { isIP } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { ListenerPlan } from '../config/plan.js';
import type { CertificateService } from './certificate-service.js';
import { CertificateFiles } from './certificate-files.js';

export interface Credentials {
  cert: string;
  key: string;
}

export interface ServerCertificates {
  readonly defaults: Credentials;
  sniCallback(servername: string, cb: (err: Error | null, ctx?: SecureContext) => void): void;
  close(): void;
}

type ListenerTls = NonNullable<ListenerPlan['tls']>;
const VALID_SNI = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/i;
/** Renew the no-SNI certificate this often (it is valid for 7 days). */
const DEFAULT_RENEW_MS = 86_400_000;

/** Opens the listener's certificates; `onDefaultChange` is told when the default pair is replaced. */
export async function openServerCertificates(
  lp: ListenerPlan & { tls: ListenerTls },
  certificates: CertificateService,
  onDefaultChange: (defaults: Credentials) => void,
): Promise<ServerCertificates> {
  const certs = lp.tls.certificates;
  if (certs === 'local-ca') return openLocalCaCertificates(lp, certificates, onDefaultChange);
  const files = new CertificateFiles(certs, lp.tls.minVersion, lp.name, (pair) => onDefaultChange(pair));
  const first = await files.open();
  return {
    defaults: { cert: first.cert, key: first.key },
    sniCallback: (servername, cb) => cb(null, files.select(servername)),
    close: () => files.close(),
  };
}

async function openLocalCaCertificates(
  lp: ListenerPlan,
  certificates: CertificateService,
  onDefaultChange: (defaults: Credentials) => void,
): Promise<ServerCertificates> {
  const names = defaultNames(lp.host);
  const issueDefaults = async () => (await certificates.localCa()).credentialsFor(names);
  const defaults = await issueDefaults();
  const renew = setInterval(() => {
    issueDefaults().then(onDefaultChange, () => undefined);
  }, DEFAULT_RENEW_MS);
  renew.unref();
  return {
    defaults,
    sniCallback: (servername, cb) => {
      // Junk names get the default certificate rather than a leaf of their own.
      if (!VALID_SNI.test(servername) || servername.length > 253) return cb(null);
      certificates
        .localCa()
        .then((ca) => ca.contextFor(servername))
        .then((ctx) => cb(null, ctx), (err: Error) => cb(err));
    },
    close: () => clearInterval(renew),
  };
}

/** Names for clients without SNI: the listener's own address plus the loopback names. */
export function defaultNames(host: string): string[] {
  const names = ['localhost', '127.0.0.1', '::1'];
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  const wildcard = h === '0.0.0.0' || h === '::' || h === '';
  if (!wildcard && !names.includes(h)) names.unshift(h);
  return names.filter((n) => n === 'localhost' || isIP(n) !== 0 || VALID_SNI.test(n));
}
