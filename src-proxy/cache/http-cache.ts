/**
 * The store behind a cache policy: a byte-bounded LRU in memory, optionally
 * backed by the disk tier, with indexes from primary key and from request URI
 * to stored variants (for Vary selection, invalidation and purge).
 */
import type { CacheEntry } from './entry.js';
import { DiskStore, type DiskHead } from './disk-store.js';
import { Lru } from './lru.js';
import { variantKey } from './vary.js';

export interface CacheStats {
  entries: number;
  bytes: number;
  maxSize: number;
  disk: { entries: number; bytes: number; path: string } | null;
  hits: number;
  misses: number;
  stale: number;
  revalidated: number;
  collapsed: number;
  bypassed: number;
  stored: number;
  evicted: number;
  invalidated: number;
  purged: number;
}

export type Counter = 'hits' | 'misses' | 'stale' | 'revalidated' | 'collapsed' | 'bypassed' | 'stored' | 'evicted' | 'invalidated' | 'purged';

export type PurgeSelector = { key: string } | { prefix: string } | { all: true };

type Indexed = Pick<CacheEntry, 'key' | 'uri' | 'variant' | 'varyNames'>;

export class HttpCache {
  private readonly memory: Lru<CacheEntry>;
  private readonly disk: DiskStore | null;
  /** id → what the indexes need, for every id held in memory or on disk. */
  private readonly known = new Map<string, Indexed>();
  private readonly byKey = new Map<string, Set<string>>();
  private readonly byUri = new Map<string, Set<string>>();
  private readonly counters: Record<Counter, number> = {
    hits: 0, misses: 0, stale: 0, revalidated: 0, collapsed: 0, bypassed: 0, stored: 0, evicted: 0, invalidated: 0, purged: 0,
  };

  constructor(
    private readonly maxSize: number,
    disk: { dir: string; maxSize: number } | null,
  ) {
    this.memory = new Lru<CacheEntry>(maxSize, (id) => {
      this.counters.evicted++;
      this.forgetIfGone(id);
    });
    this.disk =
      disk === null
        ? null
        : new DiskStore(disk.dir, disk.maxSize, {
            loaded: (head) => this.index(head.id, head),
            evicted: (head: DiskHead) => {
              this.counters.evicted++;
              this.forgetIfGone(head.id);
            },
          });
  }

  /** Resolves once the disk index is loaded (immediately without disk). */
  get ready(): Promise<void> {
    return this.disk?.ready ?? Promise.resolve();
  }

  get hasDisk(): boolean {
    return this.disk !== null;
  }

  count(counter: Counter): void {
    this.counters[counter]++;
  }

  /** Whether anything is stored under the primary key (tells a vary-miss from a uri-miss). */
  hasKey(key: string): boolean {
    return this.byKey.has(key);
  }

  /**
   * The in-memory variant of `key` that matches the request's Vary headers;
   * when several match (the origin changed its Vary), the most recently
   * stored one (§4.1).
   */
  lookup(key: string, requestHeaders: Record<string, string | string[] | undefined>): CacheEntry | null {
    const ids = this.byKey.get(key);
    if (ids === undefined) return null;
    for (const id of newestFirst(ids)) {
      const meta = this.known.get(id)!;
      if (variantKey(meta.varyNames, requestHeaders) !== meta.variant) continue;
      const e = this.memory.get(id);
      if (e !== undefined) return e;
    }
    return null;
  }

  /** The matching variant from disk (promoted into memory), when the memory tier does not have it. */
  async lookupDisk(key: string, requestHeaders: Record<string, string | string[] | undefined>): Promise<CacheEntry | null> {
    const disk = this.disk;
    if (disk === null) return null;
    await disk.ready;
    const ids = this.byKey.get(key);
    if (ids === undefined) return null;
    for (const id of newestFirst(ids)) {
      const meta = this.known.get(id);
      if (meta === undefined || variantKey(meta.varyNames, requestHeaders) !== meta.variant) continue;
      const inMemory = this.memory.get(id);
      if (inMemory !== undefined) return inMemory;
      const e = await disk.read(id);
      if (e !== null) {
        this.memory.set(id, e);
        return e;
      }
      this.forgetIfGone(id);
    }
    return null;
  }

  /** Stores (or replaces) the entry's variant; false when it is too large to keep. */
  store(entry: CacheEntry): boolean {
    const id = `${entry.key}\u0001${entry.variant}`;
    if (!this.memory.set(id, entry)) {
      this.forgetIfGone(id);
      return false;
    }
    this.index(id, entry);
    this.counters.stored++;
    if (this.disk !== null) void this.disk.write(id, entry);
    return true;
  }

  /** Drops one stored response (e.g. the origin now answers for it with something not storable). */
  remove(entry: CacheEntry): void {
    this.drop([`${entry.key}\u0001${entry.variant}`].filter((id) => this.known.has(id)));
  }

  /** Drops every variant stored for this request URI (host/path?query); returns how many. */
  invalidateUri(uri: string): number {
    const ids = this.byUri.get(uri);
    if (ids === undefined) return 0;
    const n = this.drop([...ids]);
    this.counters.invalidated += n;
    return n;
  }

  /** Drops every variant stored under this primary key; returns how many. */
  invalidateKey(key: string): number {
    const ids = this.byKey.get(key);
    if (ids === undefined) return 0;
    const n = this.drop([...ids]);
    this.counters.invalidated += n;
    return n;
  }

  /**
   * Purge by exact primary key, by prefix, or everything. A prefix matches the
   * key itself, the key without its method ("api.localhost/v2/"), or the
   * request path ("/v2/"), so users need not know the key layout.
   */
  purge(sel: PurgeSelector): number {
    let ids: string[];
    if ('all' in sel) ids = [...this.known.keys()];
    else if ('key' in sel) ids = [...(this.byKey.get(sel.key) ?? [])];
    else {
      const p = sel.prefix;
      ids = [];
      for (const [id, meta] of this.known) if (matchesPrefix(meta, p)) ids.push(id);
    }
    const n = this.drop(ids);
    this.counters.purged += n;
    return n;
  }

  stats(): CacheStats {
    return {
      entries: this.memory.count,
      bytes: this.memory.bytes,
      maxSize: this.maxSize,
      disk: this.disk === null ? null : { entries: this.disk.count, bytes: this.disk.bytes, path: this.disk.dir },
      ...this.counters,
    };
  }

  close(): void {
    this.disk?.close();
  }

  private drop(ids: string[]): number {
    for (const id of ids) {
      this.memory.delete(id);
      this.disk?.delete(id);
      this.unindex(id);
    }
    return ids.length;
  }

  private index(id: string, meta: Indexed): void {
    this.known.set(id, { key: meta.key, uri: meta.uri, variant: meta.variant, varyNames: meta.varyNames });
    addTo(this.byKey, meta.key, id);
    addTo(this.byUri, meta.uri, id);
  }

  private forgetIfGone(id: string): void {
    if (this.memory.peek(id) === undefined && this.disk?.head(id) === undefined) this.unindex(id);
  }

  private unindex(id: string): void {
    const meta = this.known.get(id);
    if (meta === undefined) return;
    this.known.delete(id);
    removeFrom(this.byKey, meta.key, id);
    removeFrom(this.byUri, meta.uri, id);
  }
}

function matchesPrefix(meta: Indexed, prefix: string): boolean {
  if (meta.key.startsWith(prefix)) return true;
  const space = meta.key.indexOf(' ');
  if (space !== -1 && meta.key.slice(space + 1).startsWith(prefix)) return true;
  const slash = meta.uri.indexOf('/');
  return slash !== -1 && meta.uri.slice(slash).startsWith(prefix);
}

/** Keeps each set in storing order: a re-stored id moves to the end. */
function addTo(map: Map<string, Set<string>>, k: string, id: string): void {
  let set = map.get(k);
  if (set === undefined) map.set(k, (set = new Set()));
  set.delete(id);
  set.add(id);
}

function newestFirst(ids: Set<string>): Iterable<string> {
  return ids.size === 1 ? ids : [...ids].reverse();
}

function removeFrom(map: Map<string, Set<string>>, k: string, id: string): void {
  const set = map.get(k);
  if (set === undefined) return;
  set.delete(id);
  if (set.size === 0) map.delete(k);
}
