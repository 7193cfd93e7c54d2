import type { Balancer, BalancerOptions, BalancerTarget, PickRequest } from './balancer.js';
import { fmix32, hashString, normalizeIp } from './hash.js';

/** Virtual nodes per unit of weight (Ketama's 160). */
export const POINTS_PER_WEIGHT = 160;
/** Upper bound on ring size; heavier configurations are scaled down proportionally. */
const MAX_POINTS = 1 << 16;
/** Distinct rings kept (covers a target flapping in and out of the allowed set). */
const MAX_CACHED_RINGS = 16;

type KeySource = 'ip' | 'header' | 'cookie' | 'query';

interface Ring {
  /** Sorted point hashes. */
  readonly points: Uint32Array;
  /** For each point, the index into `ids` of its owner. */
  readonly owners: Uint32Array;
  /** Owner ids in canonical (sorted) order. */
  readonly ids: readonly string[];
  /**
   * Lookup accelerator: `buckets[b]` is the index of the first point whose top
   * `bucketBits` bits are ≥ b (length 2^bucketBits + 1), so a lookup only
   * binary-searches the few points of one bucket instead of the whole ring.
   */
  readonly buckets: Uint32Array;
  readonly bucketShift: number;
}

/** A ring plus how it maps onto one particular ordering of the targets array. */
interface View {
  readonly ring: Ring;
  /** Input-order ids, weights and raw point counts this view was prepared for (for the cheap match check). */
  readonly ids: readonly string[];
  readonly weights: Float64Array;
  readonly rawPoints: Int32Array;
  /** Ring owner index → index into the targets array. */
  readonly toInput: Int32Array;
}

/**
 * Ketama-style consistent hashing. Each target owns `160 × weight` points on
 * a 32-bit ring; a key goes to the first point at or after its hash. Adding a
 * target to N moves about 1/(N+1) of keys, all onto the new target; removing
 * one moves only its own keys. (If the ring would exceed 65,536 points — total
 * weight above ~400 — every count is scaled down, and then a membership change
 * rescales the others too, moving somewhat more keys than the minimum.)
 *
 * The key comes from `hashOn`: `ip` (default), `header:NAME`, `cookie:NAME` or
 * `query:NAME`; a missing or empty value falls back to the client IP.
 *
 * Rings are cached per distinct set of (id, point count), so a pick is a check
 * that the targets array still matches the last view (no allocation), one
 * string hash and a bucketed binary search (~O(1) at any ring size). A
 * different set or order (e.g. a retry excluding a target) re-derives the
 * view, allocating a little, but reuses the cached ring. Point counts are quantised (~3% steps) so a
 * slow-start weight ramp rebuilds the ring a bounded number of times rather
 * than on every request. Weight-0 targets get no points unless all do (then all
 * count as weight 1).
 */
export class ConsistentHashBalancer implements Balancer {
  private readonly source: KeySource;
  private readonly name: string;
  private readonly rings = new Map<string, Ring>();
  private view: View | undefined;
  private built = 0;

  constructor(options: BalancerOptions = {}) {
    const spec = options.hashOn ?? 'ip';
    const colon = spec.indexOf(':');
    const kind = colon < 0 ? spec : spec.slice(0, colon);
    const name = colon < 0 ? '' : spec.slice(colon + 1);
    // Requests are asked for headers by lower-case name (node's header object); cookie and query names are case-sensitive.
    this.name = kind === 'header' ? name.toLowerCase() : name;
    if (kind === 'ip' && colon < 0) this.source = 'ip';
    else if ((kind === 'header' || kind === 'cookie' || kind === 'query') && this.name) this.source = kind;
    else throw new Error(`invalid hashOn "${spec}": expected ip, header:NAME, cookie:NAME or query:NAME`);
  }

  pick<T extends BalancerTarget>(targets: readonly T[], request: PickRequest): T | undefined {
    const n = targets.length;
    if (n <= 1) return targets[0];
    let view = this.view;
    if (view === undefined || !matches(view, targets)) view = this.view = this.prepare(targets);
    const { points, owners, buckets, bucketShift } = view.ring;
    const h = hashString(this.keyOf(request));
    // First point >= h, wrapping to 0.
    const b = h >>> bucketShift;
    let lo = buckets[b]!;
    let hi = buckets[b + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    if (lo === points.length) lo = 0;
    return targets[view.toInput[owners[lo]!]!];
  }

  /** How many rings this instance has built (for tests and diagnostics). */
  get ringsBuilt(): number {
    return this.built;
  }

  private keyOf(request: PickRequest): string {
    let value: string | undefined;
    switch (this.source) {
      case 'header':
        value = request.header(this.name);
        break;
      case 'cookie':
        value = request.cookie(this.name);
        break;
      case 'query':
        value = request.query(this.name);
        break;
      default:
        break;
    }
    return value ? value : normalizeIp(request.clientIp);
  }

  private prepare(targets: readonly BalancerTarget[]): View {
    const n = targets.length;
    const ids = new Array<string>(n);
    const weights = new Float64Array(n);
    const rawPoints = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const w = targets[i]!.weight;
      ids[i] = targets[i]!.id;
      weights[i] = w;
      rawPoints[i] = rawPointCount(w);
    }
    const counts = finalPointCounts(rawPoints);
    const order = Array.from({ length: n }, (_, i) => i)
      .filter((i) => counts[i]! > 0)
      .sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
    const key = order.map((i) => `${ids[i]}\u0000${counts[i]}`).join('\u0001');

    let ring = this.rings.get(key);
    if (ring === undefined) {
      ring = buildRing(
        order.map((i) => ids[i]!),
        order.map((i) => counts[i]!),
      );
      this.built++;
      if (this.rings.size >= MAX_CACHED_RINGS) this.rings.delete(this.rings.keys().next().value!);
    } else {
      this.rings.delete(key); // re-insert below: Map order doubles as LRU order
    }
    this.rings.set(key, ring);

    const toInput = new Int32Array(order.length);
    for (let c = 0; c < order.length; c++) toInput[c] = order[c]!;
    return { ring, ids, weights, rawPoints, toInput };
  }
}

/**
 * Whether `targets` is the same list (ids, order, point counts) the view was
 * prepared for. Weights are compared first; only a changed weight (slow start)
 * pays for recomputing its point count, and if that count is unchanged the
 * view adopts the new weight.
 */
function matches(view: View, targets: readonly BalancerTarget[]): boolean {
  const n = targets.length;
  if (n !== view.ids.length) return false;
  for (let i = 0; i < n; i++) {
    const t = targets[i]!;
    if (t.id !== view.ids[i]) return false;
    const w = t.weight;
    if (w !== view.weights[i]) {
      if (rawPointCount(w) !== view.rawPoints[i]) return false;
      view.weights[i] = w;
    }
  }
  return true;
}

/**
 * Points for a weight before global scaling, quantised to 5 significant bits
 * (exact below 64, then steps of ≤ 3%) so gradual weight changes map to few
 * distinct rings. Any positive weight gets at least one point.
 */
function rawPointCount(weight: number): number {
  if (!(weight > 0)) return 0;
  return quantise(Math.min(1 << 24, Math.max(1, Math.round(weight * POINTS_PER_WEIGHT))));
}

/** Round a positive integer below 2^24 to 5 significant bits. */
function quantise(v: number): number {
  if (v < 64) return v;
  const shift = 26 - Math.clz32(v); // bit length − 6
  const half = 1 << (shift - 1);
  return ((v + half) >>> shift) << shift;
}

/** Apply the all-zero rule and the ring-size cap. */
function finalPointCounts(raw: Int32Array): Int32Array {
  const counts = Int32Array.from(raw);
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) {
    counts.fill(POINTS_PER_WEIGHT);
    total = POINTS_PER_WEIGHT * counts.length;
  }
  if (total > MAX_POINTS) {
    const scale = MAX_POINTS / total;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i]! > 0) counts[i] = quantise(Math.max(1, Math.floor(counts[i]! * scale)));
    }
  }
  return counts;
}

/**
 * Point k of a target hashes (hash(id), k) through two fmix32 rounds, so the
 * first k points of a target do not depend on its total — growing a weight
 * only adds points. Sorting packs (hash, owner) into one float64 each.
 */
function buildRing(ids: readonly string[], counts: readonly number[]): Ring {
  let total = 0;
  for (const c of counts) total += c;
  const packed = new Float64Array(total);
  const OWNER_SPACE = 2 ** 20; // hash < 2^32, so hash * 2^20 + owner < 2^52: exact
  let p = 0;
  for (let o = 0; o < ids.length; o++) {
    const base = hashString(ids[o]!);
    for (let k = 0; k < counts[o]!; k++) {
      const h = fmix32(base ^ fmix32((k + 0x9e3779b9) | 0));
      packed[p++] = h * OWNER_SPACE + o;
    }
  }
  packed.sort();
  const points = new Uint32Array(total);
  const owners = new Uint32Array(total);
  for (let i = 0; i < total; i++) {
    const v = packed[i]!;
    const h = Math.floor(v / OWNER_SPACE);
    points[i] = h;
    owners[i] = v - h * OWNER_SPACE;
  }
  // About one point per bucket on average: 2^bits ≥ total, within [2^4, 2^16].
  const bits = Math.min(16, Math.max(4, 32 - Math.clz32(total)));
  const bucketShift = 32 - bits;
  const buckets = new Uint32Array((1 << bits) + 1);
  let i = 0;
  for (let b = 0; b < 1 << bits; b++) {
    while (i < total && points[i]! >>> bucketShift < b) i++;
    buckets[b] = i;
  }
  buckets[1 << bits] = total;
  return { points, owners, ids, buckets, bucketShift };
}
