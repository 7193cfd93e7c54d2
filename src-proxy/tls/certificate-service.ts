/**
 * The engine's access to certificates: one per Engine, opening the local CA
 * lazily on first use (a config without `local-ca` never creates CA files).
 */
import { defaultDataDir } from '../cli/data-dir.js';
import { openLocalCa, type LocalCa } from './local-ca.js';

export class CertificateService {
  private ca: Promise<LocalCa> | null = null;
  readonly dataDir: string;
  /** Bound port of each running TLS listener by name: where `redirectTo` sends plain-HTTP clients. */
  readonly tlsPorts = new Map<string, number>();

  constructor(dataDir: string | null) {
    this.dataDir = dataDir ?? defaultDataDir();
  }

  localCa(): Promise<LocalCa> {
    if (this.ca === null) {
      const pending = openLocalCa(this.dataDir);
      this.ca = pending;
      pending.catch(() => {
        if (this.ca === pending) this.ca = null; // retry on next use
      });
    }
    return this.ca;
  }
}
