/**
 * Freshness and age (RFC 9111 §4.2) for a shared cache. Times are in
 * milliseconds since the epoch; lifetimes and ages in seconds, as on the wire.
 */
import { seconds, type Directives } from './cache-control.js';
import { parseHttpDate } from './http-date.js';
import type { ResponseHeaders } from '../pipeline/response-sink.js';

/** Statuses a cache may give heuristic freshness (RFC 9110 §15.1). */
export const HEURISTICALLY_CACHEABLE = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);

export interface FreshnessPolicy {
  /** Fraction of (Date − Last-Modified) used as heuristic freshness; null: off. */
  readonly heuristic: number | null;
  /** Seconds of freshness for cacheable responses that carry none; null: such responses are not stored. */
  readonly defaultTtl: number | null;
}

export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * The freshness lifetime in seconds (§4.2.1), or null when the response has
 * neither explicit nor heuristic freshness (then it is only worth storing for
 * revalidation).
 */
export function freshnessLifetime(status: number, headers: ResponseHeaders, cc: Directives, policy: FreshnessPolicy, responseTime: number): number | null {
  // A present but invalid value (max-age=soon, s-maxage=-1) means stale, not absent (§4.2.1).
  if (cc.has('s-maxage')) return seconds(cc, 's-maxage') ?? 0;
  if (cc.has('max-age')) return seconds(cc, 'max-age') ?? 0;
  const expiresText = headerValue(headers, 'expires');
  if (expiresText !== undefined) {
    // An invalid Expires (e.g. "0") means already expired (§5.3).
    const expires = parseHttpDate(expiresText);
    if (expires === null) return 0;
    const date = parseHttpDate(headerValue(headers, 'date')) ?? responseTime;
    return Math.max(0, Math.floor((expires - date) / 1000));
  }
  if (!HEURISTICALLY_CACHEABLE.has(status) && !cc.has('public')) return null;
  if (policy.heuristic !== null) {
    const lastModified = parseHttpDate(headerValue(headers, 'last-modified'));
    if (lastModified !== null) {
      const date = parseHttpDate(headerValue(headers, 'date')) ?? responseTime;
      if (date > lastModified) return Math.floor(((date - lastModified) / 1000) * policy.heuristic);
    }
  }
  return policy.defaultTtl;
}

/**
 * The response's age when it was received, corrected for the time it took
 * (§4.2.3: corrected_initial_age), in seconds.
 */
export function initialAge(headers: ResponseHeaders, requestTime: number, responseTime: number): number {
  const ageText = headerValue(headers, 'age');
  const ageValue = ageText !== undefined && /^\d+$/.test(ageText.trim()) ? Number(ageText.trim()) : 0;
  const date = parseHttpDate(headerValue(headers, 'date')) ?? responseTime;
  const apparentAge = Math.max(0, (responseTime - date) / 1000);
  const responseDelay = (responseTime - requestTime) / 1000;
  return Math.max(apparentAge, ageValue + responseDelay);
}

/** What a stored response allows once it is stale, from its own directives and the policy's defaults. */
export interface StaleRules {
  /** must-revalidate, proxy-revalidate or s-maxage: never served stale (§4.2.4, §5.2.2.2, §5.2.2.8, §5.2.2.10). */
  readonly mustRevalidate: boolean;
  /** Seconds past expiry it may be served while a background refresh runs (RFC 5861). */
  readonly staleWhileRevalidate: number;
  /** Seconds past expiry it may be served when the upstream fails (RFC 5861). */
  readonly staleIfError: number;
}

export function staleRules(cc: Directives, defaults: { staleWhileRevalidate: number; staleIfError: number }): StaleRules {
  return {
    mustRevalidate: cc.has('must-revalidate') || cc.has('proxy-revalidate') || cc.has('s-maxage'),
    staleWhileRevalidate: seconds(cc, 'stale-while-revalidate') ?? defaults.staleWhileRevalidate,
    staleIfError: seconds(cc, 'stale-if-error') ?? defaults.staleIfError,
  };
}
