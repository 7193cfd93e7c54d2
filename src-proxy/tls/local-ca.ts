/**
 * The local CA at run time: its files, and server certificates issued on demand
 * per SNI name or IP address, kept in a bounded LRU so that a flood of distinct
 * names cannot grow memory without limit.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { caPaths, loadOrCreateCa } from './ca-files.js';
import { issueLeaf, normaliseName, type Issuer, type LeafKeys } from './leaf-certificate.js';
import { LruCache } from './lru-cache.js';
import { modernContextOptions } from './modern-tls.js';
import { generateKeyPair, importPrivateKeyPem, privateKeyPem, x509 } from './x509-provider.js';

/** How many issued contexts stay in memory. */
export const LEAF_CACHE_SIZE = 256;
/** Reissue a cached leaf when it expires within this time. */
const LEAF_RENEW_MS = 86_400_000;

interface CachedLeaf {
  context: SecureContext;
  notAfter: number;
}

/** PEM certificate chain (leaf + CA) and private key. */
export interface LeafCredentials {
  cert: string;
  key: string;
  notAfter: number;
}

export class LocalCa {
  readonly certPath: string;
  readonly keyPath: string;
  private readonly leaves = new LruCache<string, Promise<CachedLeaf>>(LEAF_CACHE_SIZE);
  /** One key pair for all leaves (as mitmproxy does): issuing then costs one signature. */
  private leafKeys: Promise<{ keys: LeafKeys; pem: string }> | null = null;
  /** How many leaves were issued (not served from the cache); for tests and diagnostics. */
  issuedCount = 0;

  constructor(
    dataDir: string,
    private readonly caPem: string,
    private readonly issuer: Issuer,
  ) {
    const paths = caPaths(dataDir);
    this.certPath = paths.certPath;
    this.keyPath = paths.keyPath;
  }

  certificatePem(): string {
    return this.caPem;
  }

  get cacheSize(): number {
    return this.leaves.size;
  }

  /** A server context for `name` (DNS name or IP address), issued on first use and reused. */
  contextFor(name: string): Promise<SecureContext> {
    const key = normaliseName(name);
    const cached = this.leaves.get(key);
    if (cached) {
      return cached.then((leaf) => (leaf.notAfter - Date.now() > LEAF_RENEW_MS ? leaf.context : this.issue(key)));
    }
    return this.issue(key);
  }

  private async issue(name: string): Promise<SecureContext> {
    const pending = this.buildLeaf(name);
    this.leaves.set(name, pending);
    try {
      return (await pending).context;
    } catch (err) {
      this.leaves.delete(name);
      throw err;
    }
  }

  private async buildLeaf(name: string): Promise<CachedLeaf> {
    const credentials = await this.credentialsFor([name]);
    const context = createSecureContext({ ...modernContextOptions(), cert: credentials.cert, key: credentials.key });
    return { context, notAfter: credentials.notAfter };
  }

  /**
   * A fresh (uncached) certificate for several names at once: what a listener
   * presents to clients that send no SNI (e.g. https://127.0.0.1).
   */
  async credentialsFor(names: readonly string[]): Promise<LeafCredentials> {
    const { keys, pem } = await this.sharedLeafKeys();
    const cert = await issueLeaf(names.map(normaliseName), this.issuer, keys);
    this.issuedCount++;
    return { cert: cert.toString('pem') + '\n' + this.caPem, key: pem, notAfter: cert.notAfter.getTime() };
  }

  private sharedLeafKeys(): Promise<{ keys: LeafKeys; pem: string }> {
    this.leafKeys ??= generateKeyPair().then(async (keys) => ({ keys, pem: await privateKeyPem(keys.privateKey) }));
    return this.leafKeys;
  }
}

/** One open per data dir at a time, so concurrent callers share one CA. */
const opening = new Map<string, Promise<LocalCa>>();

/** Opens (creating on first use, renewing near expiry) the CA in `<dataDir>/ca/`. */
export function openLocalCa(dataDir: string, opts: { regenerate?: boolean } = {}): Promise<LocalCa> {
  const existing = opening.get(dataDir);
  if (existing && !opts.regenerate) return existing;
  const pending = (existing ?? Promise.resolve()).catch(() => undefined).then(() => load(dataDir, opts.regenerate === true));
  opening.set(dataDir, pending);
  // Forget it once settled so that a later open sees renewed or regenerated files.
  pending.then(
    () => opening.get(dataDir) === pending && opening.delete(dataDir),
    () => opening.get(dataDir) === pending && opening.delete(dataDir),
  );
  return pending;
}

async function load(dataDir: string, regenerate: boolean): Promise<LocalCa> {
  const material = await loadOrCreateCa(dataDir, { regenerate });
  const issuer: Issuer = {
    cert: new x509.X509Certificate(material.certPem),
    privateKey: await importPrivateKeyPem(material.keyPem),
  };
  return new LocalCa(dataDir, material.certPem, issuer);
}
