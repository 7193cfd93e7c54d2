/**
 * The primary cache key: `GET host/path?query`, with the parts the policy's
 * `key` config turns on. Only GET responses are stored, and a HEAD is served
 * from the stored GET, so the method part is always "GET" when present.
 * Chosen request headers are appended as ` name=value` pairs.
 */
export interface KeyConfig {
  readonly method: boolean;
  readonly host: boolean;
  readonly query: boolean | readonly string[];
  readonly headers: readonly string[];
}

export const DEFAULT_KEY: KeyConfig = { method: true, host: true, query: true, headers: [] };

export interface KeyRequest {
  readonly host: string;
  readonly path: string;
  /** Raw query without '?'. */
  readonly search: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

export function cacheKey(cfg: KeyConfig, r: KeyRequest): string {
  let key = cfg.method ? 'GET ' : '';
  if (cfg.host) key += r.host;
  key += r.path;
  if (r.search !== '') {
    if (cfg.query === true) key += '?' + r.search;
    else if (cfg.query !== false) key += pickedQuery(r.search, cfg.query);
  }
  for (const name of cfg.headers) {
    const v = r.headers[name];
    key += ` ${name}=${v === undefined ? '' : Array.isArray(v) ? v.join(',') : v}`;
  }
  return key;
}

/** Only the listed parameters, in sorted order, so that `?b=2&a=1` and `?a=1&b=2` share a key. */
function pickedQuery(search: string, names: readonly string[]): string {
  const params = new URLSearchParams(search);
  const kept: string[] = [];
  for (const name of [...names].sort()) {
    for (const v of params.getAll(name)) kept.push(`${encodeURIComponent(name)}=${encodeURIComponent(v)}`);
  }
  return kept.length === 0 ? '' : '?' + kept.join('&');
}

/** The request's URI as entries record it for invalidation: host, path and the full query. */
export function uriOf(host: string, path: string, search: string): string {
  return search === '' ? host + path : `${host}${path}?${search}`;
}
