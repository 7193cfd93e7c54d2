/**
 * Invalidation after unsafe methods (RFC 9111 §4.4): a non-error response to
 * any method not known to be safe (POST, PUT, DELETE, PATCH, but also MKCOL,
 * LINK or an extension method) drops what is stored for the request's URI and
 * for the Location and Content-Location it names on the same host.
 */
import { ForwardingSink, type ResponseHeaders, type ResponseSink } from '../pipeline/response-sink.js';
import type { Exchange } from '../pipeline/exchange.js';
import { uriOf } from './cache-key.js';
import { headerValue } from './freshness.js';
import type { CacheHost } from './store-sink.js';

/** Methods defined as safe (RFC 9110 §9.2.1, WebDAV PROPFIND/REPORT/SEARCH, QUERY); every other method invalidates. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'REPORT', 'SEARCH', 'QUERY']);

export function isUnsafe(method: string): boolean {
  return !SAFE_METHODS.has(method);
}

export class InvalidatingSink extends ForwardingSink {
  constructor(
    inner: ResponseSink,
    private readonly host: CacheHost,
    private readonly ex: Exchange,
  ) {
    super(inner);
  }

  override head(status: number, headers: ResponseHeaders, statusMessage?: string): void {
    if (status >= 200 && status < 400) {
      const ex = this.ex;
      const targets: [string, string][] = [[ex.path, ex.search]];
      for (const name of ['location', 'content-location']) {
        const t = sameHost(headerValue(headers, name), ex);
        if (t !== null) targets.push(t);
      }
      // By URI (what was stored for exactly this URL) and by key (what a GET for it would be served).
      const cache = this.host.cache;
      let dropped = 0;
      for (const [path, search] of targets) dropped += cache.invalidateUri(uriOf(ex.host, path, search)) + cache.invalidateKey(this.host.keyFor(ex, path, search));
      if (dropped > 0) this.host.record(ex, 'INVALIDATED', null, `${dropped} stored response(s) dropped after ${ex.method}`);
    }
    this.inner.head(status, headers, statusMessage);
  }
}

/** [path, query] of a Location-like value, when it points at the request's own host. */
function sameHost(value: string | undefined, ex: Exchange): [string, string] | null {
  if (value === undefined || value === '') return null;
  let url: URL;
  try {
    url = new URL(value, `http://${ex.host || 'localhost'}${ex.path}`);
  } catch {
    return null;
  }
  if (url.hostname.toLowerCase() !== ex.host) return null;
  return [url.pathname, url.search.slice(1)];
}
