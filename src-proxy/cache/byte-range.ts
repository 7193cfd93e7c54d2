/**
 * Byte ranges answered from a complete stored response: the `Range` request
 * field (RFC 9110 §14.1–14.2) and `If-Range` (§13.1.5). Pure functions; the
 * cache policy decides when they apply (a fresh stored 200, a GET).
 */
import type { CacheEntry } from './entry.js';
import { parseHttpDate } from './http-date.js';

export type RangeSpec = { readonly first: number; readonly last: number | null } | { readonly suffix: number };

/** What to send for a Range: part of the body, a 416, or the whole 200 (with why, for the decision log). */
export type RangeAnswer =
  | { readonly kind: 'part'; readonly first: number; readonly last: number }
  | { readonly kind: 'unsatisfiable' }
  | { readonly kind: 'full'; readonly why: string };

/** An intermediate cache may take a Last-Modified as strong only this long before the response's Date (RFC 9110 §8.8.2.2). */
const STRONG_DATE_MARGIN_MS = 60_000;

/**
 * The specs of a `bytes=` Range value, or null when the value is not one (another
 * unit, bad syntax, last-pos before first-pos): an invalid Range is ignored.
 */
export function parseRange(value: string): RangeSpec[] | null {
  const eq = value.indexOf('=');
  if (eq === -1 || value.slice(0, eq).toLowerCase() !== 'bytes') return null;
  const specs: RangeSpec[] = [];
  for (const raw of value.slice(eq + 1).split(',')) {
    const item = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    // The list rule (§5.6.1) lets recipients skip empty elements.
    if (item === '') continue;
    const m = /^(\d*)-(\d*)$/.exec(item);
    if (m === null) return null;
    const [, a = '', b = ''] = m;
    if (a === '') {
      if (b === '') return null;
      specs.push({ suffix: Number(b) });
    } else {
      const first = Number(a);
      const last = b === '' ? null : Number(b);
      if (last !== null && last < first) return null;
      specs.push({ first, last });
    }
  }
  return specs.length === 0 ? null : specs;
}

/**
 * What a Range asks of a representation of `length` bytes. One range only:
 * a set of several is answered with the whole 200, as RFC 9110 §14.2 allows
 * (Varnish does the same), so there is no multipart/byteranges.
 */
export function resolveRange(value: string, length: number): RangeAnswer {
  const specs = parseRange(value);
  if (specs === null) return { kind: 'full', why: 'invalid Range' };
  if (specs.length > 1) return { kind: 'full', why: 'multiple ranges' };
  const spec = specs[0]!;
  if ('suffix' in spec) {
    if (spec.suffix === 0) return { kind: 'unsatisfiable' };
    // A non-empty suffix of nothing is satisfiable but has no bytes to describe in a Content-Range.
    if (length === 0) return { kind: 'full', why: 'empty representation' };
    return { kind: 'part', first: Math.max(0, length - spec.suffix), last: length - 1 };
  }
  if (spec.first >= length) return { kind: 'unsatisfiable' };
  return { kind: 'part', first: spec.first, last: Math.min(spec.last ?? length - 1, length - 1) };
}

export interface Validators {
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  /** The stored response's Date field. */
  readonly date: string | undefined;
}

/**
 * Whether an If-Range value lets the range be served (RFC 9110 §13.1.5): an
 * entity-tag must equal the stored ETag by strong comparison (a weak tag on
 * either side never matches); an HTTP-date must be exactly the stored
 * Last-Modified, and that date must be strong — for a cache, at least 60 s
 * before the stored Date (§8.8.2.2).
 */
export function ifRangeHolds(value: string, v: Validators): boolean {
  const given = value.replace(/^[ \t]+|[ \t]+$/g, '');
  if (given.startsWith('"') || given.startsWith('W/"')) {
    return isStrongTag(given) && v.etag !== undefined && isStrongTag(v.etag) && given === v.etag;
  }
  if (v.lastModified === undefined || given !== v.lastModified) return false;
  const lm = parseHttpDate(v.lastModified);
  const date = parseHttpDate(v.date);
  return lm !== null && date !== null && date - lm >= STRONG_DATE_MARGIN_MS;
}

/** `"opaque"` with no W/ prefix (§8.8.3). */
function isStrongTag(tag: string): boolean {
  return tag.length >= 2 && tag.startsWith('"') && tag.endsWith('"') && !tag.slice(1, -1).includes('"');
}

type RequestHeaders = Record<string, string | string[] | undefined>;

/**
 * The answer to a GET with Range from a stored response: only a 200 has
 * ranges to serve, and an If-Range that does not hold means the whole 200.
 */
export function answerRange(entry: CacheEntry, headers: RequestHeaders): RangeAnswer {
  if (entry.status !== 200) return { kind: 'full', why: `status ${entry.status}` };
  const range = single(headers.range);
  if (range === null) return { kind: 'full', why: 'invalid Range' };
  const ifRange = headers['if-range'];
  if (ifRange !== undefined) {
    const value = single(ifRange);
    const date = entry.headers.date;
    if (value === null || !ifRangeHolds(value, { etag: entry.etag, lastModified: entry.lastModified, date: Array.isArray(date) ? date[0] : date })) {
      return { kind: 'full', why: 'If-Range does not match' };
    }
  }
  return resolveRange(range, entry.body.length);
}

/** A field sent more than once is not a valid Range or If-Range. */
function single(v: string | string[] | undefined): string | null {
  if (Array.isArray(v)) return v.length === 1 ? v[0]! : null;
  return v ?? null;
}
