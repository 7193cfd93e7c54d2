/**
 * A stored response and what the cache derived from it when it arrived
 * (freshness lifetime, corrected initial age, stale rules), so a lookup only
 * does arithmetic.
 */
import { parseCacheControl } from './cache-control.js';
import { freshnessLifetime, initialAge, staleRules, type FreshnessPolicy, type StaleRules } from './freshness.js';
import { parseVary, variantKey } from './vary.js';
import type { ResponseHeaders } from '../pipeline/response-sink.js';

export interface CacheEntry {
  /** Primary key (cache-key.ts). */
  readonly key: string;
  /** host/path?query of the request that stored it, for invalidation. */
  readonly uri: string;
  /** Normalised request values of the Vary names (vary.ts). */
  readonly variant: string;
  readonly varyNames: readonly string[];
  readonly status: number;
  readonly statusMessage: string | undefined;
  /** Stored headers: no hop-by-hop fields, Age or X-Request-Id (they are per response). */
  readonly headers: ResponseHeaders;
  readonly body: Buffer;
  /** Seconds (§4.2.1); 0 when the response must be revalidated before every use. */
  readonly lifetime: number;
  /** corrected_initial_age in seconds (§4.2.3). */
  readonly initialAge: number;
  /** When the response (or the 304 that last validated it) arrived, epoch ms. */
  readonly responseTime: number;
  /** Response `no-cache`: may be stored, never used without revalidation (§5.2.2.4). */
  readonly noCache: boolean;
  readonly stale: StaleRules;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  /** Bytes this entry costs (body plus an estimate for the head). */
  readonly size: number;
}

export interface EntryDefaults extends FreshnessPolicy {
  readonly staleWhileRevalidate: number;
  readonly staleIfError: number;
}

/** Fields that describe one transfer, not the stored representation. */
const NOT_STORED = new Set(['age', 'x-request-id', 'connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade', 'te', 'proxy-authenticate']);
/** Fields a 304 must not change in the stored response (RFC 9111 §3.2, RFC 9110 §15.4.5). */
const NOT_UPDATED = new Set(['content-length', 'content-range', 'content-encoding', 'content-type']);

export function storedHeaders(headers: ResponseHeaders): ResponseHeaders {
  const out: ResponseHeaders = {};
  for (const name in headers) if (!NOT_STORED.has(name)) out[name] = headers[name];
  return out;
}

export interface NewEntry {
  key: string;
  uri: string;
  requestHeaders: Record<string, string | string[] | undefined>;
  status: number;
  statusMessage: string | undefined;
  headers: ResponseHeaders;
  body: Buffer;
  requestTime: number;
  responseTime: number;
}

export function makeEntry(e: NewEntry, defaults: EntryDefaults): CacheEntry {
  const cc = parseCacheControl(e.headers['cache-control']);
  const vary = parseVary(e.headers);
  const varyNames = vary === '*' ? [] : vary;
  const headers = storedHeaders(e.headers);
  // The stored body is complete, so the length is known whatever the upstream framing was.
  headers['content-length'] = String(e.body.length);
  // A cache stores a response without Date with the time it arrived (RFC 9110 §6.6.1), so hits carry one.
  headers.date ??= new Date(e.responseTime).toUTCString();
  const noCache = cc.has('no-cache');
  return {
    key: e.key,
    uri: e.uri,
    variant: variantKey(varyNames, e.requestHeaders),
    varyNames,
    status: e.status,
    statusMessage: e.statusMessage,
    headers,
    body: e.body,
    lifetime: noCache ? 0 : (freshnessLifetime(e.status, e.headers, cc, defaults, e.responseTime) ?? 0),
    initialAge: initialAge(e.headers, e.requestTime, e.responseTime),
    responseTime: e.responseTime,
    noCache,
    stale: staleRules(cc, defaults),
    etag: single(headers.etag),
    lastModified: single(headers['last-modified']),
    size: e.body.length + headSize(headers),
  };
}

/** The stored response updated by a 304 (RFC 9111 §4.3.4): new header values, new freshness. */
export function revalidatedEntry(entry: CacheEntry, notModified: ResponseHeaders, requestTime: number, responseTime: number, defaults: EntryDefaults): CacheEntry {
  const merged: ResponseHeaders = { ...entry.headers };
  for (const name in notModified) if (!NOT_UPDATED.has(name)) merged[name] = notModified[name];
  // A 304 without Date: the stored Date would age the refreshed response by the old one's age (RFC 9110 §6.6.1).
  if (notModified.date === undefined) merged.date = new Date(responseTime).toUTCString();
  // The stored headers have no Age, so `merged` carries the 304's own, if any.
  const cc = parseCacheControl(merged['cache-control']);
  const noCache = cc.has('no-cache');
  const headers = storedHeaders(merged);
  return {
    ...entry,
    headers,
    lifetime: noCache ? 0 : (freshnessLifetime(entry.status, merged, cc, defaults, responseTime) ?? 0),
    initialAge: initialAge(merged, requestTime, responseTime),
    responseTime,
    noCache,
    stale: staleRules(cc, defaults),
    etag: single(headers.etag),
    lastModified: single(headers['last-modified']),
    size: entry.body.length + headSize(headers),
  };
}

/**
 * Whether a 304 is about this stored response (§4.3.4): its entity-tag must
 * match (weakly), else its Last-Modified must be the stored one. A 304 with no
 * validator is taken only as the answer to the cache's own conditional
 * (`ownRequest`), which carried exactly the stored validators.
 */
export function selectedBy304(entry: CacheEntry, notModified: ResponseHeaders, ownRequest: boolean): boolean {
  const etag = single(notModified.etag);
  if (etag !== undefined) return entry.etag === undefined ? ownRequest && sameLastModified(entry, notModified) : weakTag(etag) === weakTag(entry.etag);
  if (notModified['last-modified'] !== undefined) return sameLastModified(entry, notModified);
  return ownRequest;
}

function sameLastModified(entry: CacheEntry, notModified: ResponseHeaders): boolean {
  const lm = single(notModified['last-modified']);
  return lm === undefined || lm === entry.lastModified;
}

function weakTag(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

/**
 * The body as one buffer of its own. Chunks from the socket are views into
 * larger read buffers (and small allocations share an 8 KB pool), so keeping
 * them would hold far more memory than the LRU accounts for.
 */
export function ownedBody(chunks: readonly Buffer[], length: number): Buffer {
  const out = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const c of chunks) at += c.copy(out, at);
  return out;
}

/** current_age in seconds (§4.2.3). */
export function currentAge(entry: CacheEntry, now: number): number {
  return entry.initialAge + Math.max(0, now - entry.responseTime) / 1000;
}

/** Seconds of freshness left (negative: stale for that long). */
export function remainingTtl(entry: CacheEntry, now: number): number {
  return entry.lifetime - currentAge(entry, now);
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function headSize(headers: ResponseHeaders): number {
  let n = 200;
  for (const name in headers) {
    const v = headers[name];
    n += name.length + (Array.isArray(v) ? v.reduce((s, x) => s + x.length, 0) : v.length) + 4;
  }
  return n;
}
