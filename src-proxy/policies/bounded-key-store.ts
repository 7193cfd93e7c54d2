/**
 * Per-key limiter state with a hard bound: a Map kept in least-recently-used
 * order (a hit moves its key to the end), so when `maxKeys` is reached the
 * key idle longest goes first. `sweep` drops entries whose state says they no
 * longer matter (a refilled bucket is the same as no bucket), which keeps
 * memory flat when many clients come and go.
 */
export class BoundedKeyStore<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly maxKeys: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The state for `key`, made by `create` when absent; the key becomes the most recently used. */
  touch(key: string, create: () => V): V {
    const map = this.map;
    let v = map.get(key);
    if (v !== undefined) {
      map.delete(key);
    } else {
      if (map.size >= this.maxKeys) map.delete(map.keys().next().value as string);
      v = create();
    }
    map.set(key, v);
    return v;
  }

  /** Removes every entry for which `idle` holds; returns how many went. */
  sweep(idle: (value: V) => boolean): number {
    let removed = 0;
    for (const [key, value] of this.map) {
      if (idle(value)) {
        this.map.delete(key);
        removed++;
      }
    }
    return removed;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  clear(): void {
    this.map.clear();
  }
}
