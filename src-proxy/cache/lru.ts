/**
 * A least-recently-used map bounded by the total size of its values. A Map
 * keeps insertion order, so "touch" is delete-and-set and the oldest entry is
 * the first key.
 */
export class Lru<V extends { readonly size: number }> {
  private readonly map = new Map<string, V>();
  private total = 0;

  constructor(
    private readonly maxBytes: number,
    /** Called for each value dropped to make room (not for explicit deletes). */
    private readonly onEvict: (id: string, value: V) => void = () => {},
  ) {}

  get bytes(): number {
    return this.total;
  }

  get count(): number {
    return this.map.size;
  }

  get(id: string): V | undefined {
    const v = this.map.get(id);
    if (v !== undefined) {
      this.map.delete(id);
      this.map.set(id, v);
    }
    return v;
  }

  /** Without touching the recency order. */
  peek(id: string): V | undefined {
    return this.map.get(id);
  }

  /** Stores `value`, evicting the least recently used; false when it alone exceeds the bound. */
  set(id: string, value: V): boolean {
    this.delete(id);
    if (value.size > this.maxBytes) return false;
    this.map.set(id, value);
    this.total += value.size;
    while (this.total > this.maxBytes) {
      const [oldId, old] = this.map.entries().next().value as [string, V];
      this.map.delete(oldId);
      this.total -= old.size;
      this.onEvict(oldId, old);
    }
    return true;
  }

  delete(id: string): V | undefined {
    const v = this.map.get(id);
    if (v !== undefined) {
      this.map.delete(id);
      this.total -= v.size;
    }
    return v;
  }
}
