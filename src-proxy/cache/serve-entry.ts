/** Writing a stored response to the client, with its Age and our Cache-Status member. */
import type { Exchange } from '../pipeline/exchange.js';
import type { ResponseHeaders, ResponseSink } from '../pipeline/response-sink.js';
import { appendCacheStatus } from './cache-status.js';
import { NOT_MODIFIED_FIELDS } from './conditional.js';
import { currentAge, type CacheEntry } from './entry.js';

/** The whole stored response (headers only for HEAD). */
export function serveEntry(ex: Exchange, sink: ResponseSink, entry: CacheEntry, status: string, now: number): void {
  const headers: ResponseHeaders = { ...entry.headers };
  headers.age = String(Math.floor(currentAge(entry, now)));
  headers['cache-status'] = appendCacheStatus(entry.headers['cache-status'], status);
  headers['x-request-id'] = ex.id;
  sink.head(entry.status, headers, entry.statusMessage);
  if (ex.method !== 'HEAD' && entry.body.length > 0) sink.write(entry.body);
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
