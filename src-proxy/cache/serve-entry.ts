/** Writing a stored response to the client, with its Age and our Cache-Status member. */
import type { Exchange } from '../pipeline/exchange.js';
import type { ResponseHeaders, ResponseSink } from '../pipeline/response-sink.js';
import { appendCacheStatus } from './cache-status.js';
import { NOT_MODIFIED_FIELDS } from './conditional.js';
import { currentAge, type CacheEntry } from './entry.js';

/** The whole stored response (headers only for HEAD). */
export function serveEntry(ex: Exchange, sink: ResponseSink, entry: CacheEntry, status: string, now: number): void {
  sink.head(entry.status, servedHeaders(ex, entry, status, now), entry.statusMessage);
  if (ex.method !== 'HEAD' && entry.body.length > 0) sink.write(entry.body);
  sink.end();
}

/** 206 Partial Content with bytes first..last of the stored body (RFC 9110 §15.3.7): the stored headers, where the part sits, its length. */
export function servePart(ex: Exchange, sink: ResponseSink, entry: CacheEntry, status: string, now: number, first: number, last: number): void {
  const headers = servedHeaders(ex, entry, status, now);
  headers['content-range'] = `bytes ${first}-${last}/${entry.body.length}`;
  headers['content-length'] = String(last - first + 1);
  sink.head(206, headers);
  sink.write(entry.body.subarray(first, last + 1));
  sink.end();
}

/**
 * 416 Range Not Satisfiable (§15.5.17) with the stored length in Content-Range
 * and no body. None of the stored headers: they describe the representation,
 * and its freshness fields could let a downstream cache keep the 416.
 */
export function serveUnsatisfiable(ex: Exchange, sink: ResponseSink, entry: CacheEntry, status: string): void {
  sink.head(416, {
    'content-range': `bytes */${entry.body.length}`,
    'content-length': '0',
    'cache-status': appendCacheStatus(entry.headers['cache-status'], status),
    'x-request-id': ex.id,
  });
  sink.end();
}

/** 304 Not Modified for a client whose validator matches the stored response. */
export function serveNotModified(ex: Exchange, sink: ResponseSink, entry: CacheEntry, status: string, now: number): void {
  const headers: ResponseHeaders = {};
  for (const name of NOT_MODIFIED_FIELDS) {
    const v = entry.headers[name];
    if (v !== undefined) headers[name] = v;
  }
  headers.age = String(Math.floor(currentAge(entry, now)));
  headers['cache-status'] = appendCacheStatus(entry.headers['cache-status'], status);
  headers['x-request-id'] = ex.id;
  sink.head(304, headers);
  sink.end();
}

/** The stored headers plus what belongs to this use of them. */
function servedHeaders(ex: Exchange, entry: CacheEntry, status: string, now: number): ResponseHeaders {
  const headers: ResponseHeaders = { ...entry.headers };
  headers.age = String(Math.floor(currentAge(entry, now)));
  headers['cache-status'] = appendCacheStatus(entry.headers['cache-status'], status);
  headers['x-request-id'] = ex.id;
  return headers;
}
