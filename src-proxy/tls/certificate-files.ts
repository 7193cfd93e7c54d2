/**
 * Certificate/key files for a TLS listener, chosen by SNI. The first pair is the
 * default. Files are polled for changes; a changed set is loaded completely
 * before it replaces the old one, so broken or half-written files leave the
 * listener serving what it had.
 */
import { X509Certificate } from 'node:crypto';
import { watchFile, unwatchFile, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { CertificateFilePlan } from '../config/plan.js';
import { SwitchyardError } from '../errors.js';
import { certificateNames, matchesHostPattern } from './host-pattern.js';
import { modernContextOptions } from './modern-tls.js';

export interface LoadedPair {
  /** Names this pair answers for (from the config or the certificate). */
  hosts: string[];
  cert: string;
  key: string;
  context: SecureContext;
}

/** How often the files are checked for changes. */
const POLL_MS = 1000;

/**
 * Loads every pair, or throws a CONFIG_INVALID error naming the listener, the
 * pair's index and its files: unreadable, unparsable, a key that does not
 * belong to its certificate, or a certificate that has already expired.
 */
export async function loadPairs(plans: readonly CertificateFilePlan[], minVersion: 'TLSv1.2' | 'TLSv1.3', listener: string): Promise<LoadedPair[]> {
  return Promise.all(
    plans.map(async (p, i) => {
      const where = `listener "${listener}" (tls.certificates[${i}]: ${p.cert}, ${p.key})`;
      let cert: string;
      let key: string;
      try {
        [cert, key] = await Promise.all([readFile(p.cert, 'utf8'), readFile(p.key, 'utf8')]);
      } catch (err) {
        throw new SwitchyardError('CONFIG_INVALID', `Cannot read TLS certificate files of ${where}: ${(err as Error).message}`, { cause: err });
      }
      let context: SecureContext;
      let parsed: X509Certificate;
      try {
        context = createSecureContext({ ...modernContextOptions(minVersion), cert, key });
        parsed = new X509Certificate(cert);
      } catch (err) {
        const message = (err as Error).message;
        const why = /key values mismatch/.test(message) ? `the key does not match the certificate (${message})` : message;
        throw new SwitchyardError('CONFIG_INVALID', `Invalid TLS certificate or key for ${where}: ${why}`, { cause: err });
      }
      // Every client would refuse it: better a clear error now than handshakes failing later.
      const notAfter = Date.parse(parsed.validTo);
      if (notAfter <= Date.now()) {
        throw new SwitchyardError('CONFIG_INVALID', `The TLS certificate of ${where} expired on ${new Date(notAfter).toISOString()}.`);
      }
      const hosts = p.hosts ? p.hosts.map((h) => h.toLowerCase()) : certificateNames(parsed.subjectAltName, parsed.subject);
      return { hosts, cert, key, context };
    }),
  );
}

export class CertificateFiles {
  private pairs: LoadedPair[] = [];
  private readonly files: string[];
  private reloading: Promise<void> | null = null;

  constructor(
    private readonly plans: readonly CertificateFilePlan[],
    private readonly minVersion: 'TLSv1.2' | 'TLSv1.3',
    /** The listener's name, for error messages. */
    private readonly listener: string,
    /** Called after a successful reload with the new default pair. */
    private readonly onReload: (defaultPair: LoadedPair) => void,
  ) {
    this.files = [...new Set(plans.flatMap((p) => [p.cert, p.key]))];
  }

  /** Loads the files (throws on a bad set) and starts watching them. */
  async open(): Promise<LoadedPair> {
    this.pairs = await loadPairs(this.plans, this.minVersion, this.listener);
    for (const f of this.files) watchFile(f, { interval: POLL_MS, persistent: false }, this.changed);
    return this.pairs[0];
  }

  /** The context for an SNI name: exact names first, then wildcards, else the default. */
  select(servername: string): SecureContext {
    // A fully qualified name ("api.example.com.") is the same name.
    const name = servername.toLowerCase().replace(/\.$/, '');
    for (const p of this.pairs) if (p.hosts.includes(name)) return p.context;
    for (const p of this.pairs) if (p.hosts.some((h) => matchesHostPattern(h, name))) return p.context;
    return this.pairs[0].context;
  }

  close(): void {
    for (const f of this.files) unwatchFile(f, this.changed);
  }

  private readonly changed = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size) return;
    this.reloading = (this.reloading ?? Promise.resolve()).then(() => this.reload());
  };

  private async reload(): Promise<void> {
    try {
      const pairs = await loadPairs(this.plans, this.minVersion, this.listener);
      this.pairs = pairs;
      this.onReload(pairs[0]);
    } catch {
      // Broken or half-written files: keep serving the previous set; the next change is tried again.
    }
  }
}
