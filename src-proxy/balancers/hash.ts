/**
 * Small, fast, non-cryptographic 32-bit hashing shared by the hash-based
 * balancers: FNV-1a over UTF-16 code units, finished with MurmurHash3's fmix32
 * avalanche step (plain FNV-1a mixes its last characters poorly, which matters
 * for keys such as "10.0.0.1" vs "10.0.0.2"). Not collision resistant against
 * an adversary, and does not need to be: it only spreads keys over targets.
 */

/** FNV-1a 32-bit offset basis: the starting state for {@link fnv1aUpdate}. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Feed the UTF-16 code units of `s` into an FNV-1a state (returns the new state, an int32). */
export function fnv1aUpdate(state: number, s: string): number {
  let h = state;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

/** Feed one separator unit into an FNV-1a state, so ("ab","c") and ("a","bc") hash differently. */
export function fnv1aSeparator(state: number): number {
  return Math.imul(state ^ 0x1f, FNV_PRIME);
}

/** MurmurHash3 finalizer: a bijection on 32 bits with full avalanche. Returns an unsigned 32-bit integer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash a string to an unsigned 32-bit integer. */
export function hashString(s: string): number {
  return fmix32(fnv1aUpdate(FNV_OFFSET, s));
}

/** Map an unsigned 32-bit hash into the open interval (0, 1) — never 0, never 1, so `Math.log` is finite and negative. */
export function hashToUnit(h: number): number {
  return (h + 0.5) / 4294967296;
}

/**
 * A dual-stack socket reports IPv4 clients as `::ffff:1.2.3.4`; hash them as
 * `1.2.3.4` so one client maps to one target whichever way it arrived.
 * Allocates only when the prefix is present.
 */
export function normalizeIp(ip: string): string {
  if (ip.length > 7 && ip.charCodeAt(0) === 58 /* : */ && ip.startsWith('::ffff:') && ip.includes('.', 7)) {
    return ip.slice(7);
  }
  return ip;
}
