/**
 * stale-while-revalidate: the stale response has already been served; one
 * background request (collapsed per key, so a burst of stale hits makes one)
 * revalidates it with its validators, or fetches it anew, through the
 * engine's upstream machinery (pipeline/proxy/fetch-upstream.ts).
 */
import { fetchFromUpstream } from '../pipeline/proxy/fetch-upstream.js';
import type { Exchange } from '../pipeline/exchange.js';
import { parseCacheControl, requestDirectives } from './cache-control.js';
import type { Collapser } from './collapser.js';
import { CONDITIONAL_HEADERS } from './conditional.js';
import { makeEntry, ownedBody, revalidatedEntry, selectedBy304, type CacheEntry } from './entry.js';
import { keepRevalidated, type CacheHost } from './store-sink.js';
import { whyNotStorable } from './storability.js';

const OMIT = new Set<string>([...CONDITIONAL_HEADERS, 'cache-control', 'pragma']);

export function refreshInBackground(host: CacheHost, collapser: Collapser, ex: Exchange, upstream: string, entry: CacheEntry): void {
  const lock = collapser.tryLead(entry.key);
  if (lock === null) return;
  const add: [string, string][] = [];
  if (entry.etag !== undefined) add.push(['If-None-Match', entry.etag]);
  if (entry.lastModified !== undefined) add.push(['If-Modified-Since', entry.lastModified]);
  const requestTime = Date.now();
  const request = { method: 'GET', directives: requestDirectives({}), hasAuthorization: ex.req.headers.authorization !== undefined };
  fetchFromUpstream(ex, upstream, { omit: OMIT, add, maxBody: host.maxObjectSize })
    .then((res) => {
      const now = Date.now();
      if (res.status === 304 && add.length > 0) {
        // A 304 for another representation (§4.3.4) leaves nothing usable: the next request fetches anew.
        if (!selectedBy304(entry, res.headers, true)) return void host.cache.remove(entry);
        keepRevalidated(host, request, revalidatedEntry(entry, res.headers, requestTime, now, host.defaults));
        host.cache.count('revalidated');
        return;
      }
      const why = whyNotStorable(request, res.status, res.headers, parseCacheControl(res.headers['cache-control']), host.defaults, now);
      // The origin now answers with something it does not let us keep: the old copy must not be served stale either.
      if (why !== null && res.status < 500) host.cache.remove(entry);
      if (why !== null || res.body === null) return;
      host.cache.store(
        makeEntry(
          { key: entry.key, uri: entry.uri, requestHeaders: ex.req.headers, status: res.status, statusMessage: res.statusMessage, headers: res.headers, body: ownedBody([res.body], res.body.length), requestTime, responseTime: now },
          host.defaults,
        ),
      );
    })
    // A failed refresh leaves the stale response in place; the next request past the window goes upstream itself.
    .catch(() => undefined)
    .finally(() => lock.release());
}
