/**
 * Answering a client's conditional GET/HEAD from a stored response
 * (RFC 9110 §13.1.2, §13.1.3, §13.2.2): If-None-Match wins over
 * If-Modified-Since; ETags compare weakly.
 */
import type { CacheEntry } from './entry.js';
import { parseHttpDate } from './http-date.js';

/** The request carries a precondition or range the cache does not evaluate itself, or evaluates here. */
export const CONDITIONAL_HEADERS = ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range'] as const;

export function hasConditionals(headers: Record<string, string | string[] | undefined>): boolean {
  for (const h of CONDITIONAL_HEADERS) if (headers[h] !== undefined) return true;
  return false;
}

/** True when the stored response lets the cache answer 304 Not Modified. */
export function notModified(entry: CacheEntry, headers: Record<string, string | string[] | undefined>): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) {
    if (entry.etag === undefined) return false;
    const text = Array.isArray(inm) ? inm.join(',') : inm;
    if (text.trim() === '*') return true;
    const mine = opaque(entry.etag);
    return text.split(',').some((t) => opaque(t.trim()) === mine);
  }
  const ims = parseHttpDate(single(headers['if-modified-since']));
  const lm = parseHttpDate(entry.lastModified);
  return ims !== null && lm !== null && lm <= ims;
}

/** Weak comparison: W/"x" and "x" are the same. */
function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Fields a 304 carries from the stored response (RFC 9110 §15.4.5). */
export const NOT_MODIFIED_FIELDS = ['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary', 'last-modified'] as const;
