/**
 * The sink a forwarded GET/HEAD is written through. It streams the response
 * on to the client unchanged (plus a Cache-Status member) and tees the body
 * into memory, storing it at the end; a copy that outgrows maxObjectSize is
 * dropped on the spot. Two upstream answers are replaced instead of passed on:
 * a 304 to the cache's own conditional request (the stored response is
 * updated and served), and a 5xx when a stale response may stand in for it
 * (stale-if-error).
 */
import { ForwardingSink, type ResponseHeaders, type ResponseSink } from '../pipeline/response-sink.js';
import type { Exchange } from '../pipeline/exchange.js';
import { parseCacheControl } from './cache-control.js';
import { appendCacheStatus, cacheStatusMember } from './cache-status.js';
import type { Lock } from './collapser.js';
import { SwitchyardError } from '../errors.js';
import { fetchFromUpstream } from '../pipeline/proxy/fetch-upstream.js';
import { CONDITIONAL_HEADERS } from './conditional.js';
import { makeEntry, ownedBody, revalidatedEntry, remainingTtl, selectedBy304, type CacheEntry, type EntryDefaults } from './entry.js';
import type { Counter, HttpCache } from './http-cache.js';
import { serveEntry } from './serve-entry.js';
import { whyNotStorable, type StoreRequest } from './storability.js';

/** What the sink needs from its cache policy. */
export interface CacheHost {
  readonly name: string;
  readonly cache: HttpCache;
  readonly defaults: EntryDefaults;
  readonly maxObjectSize: number;
  /** Records the outcome (policy decision, counter). */
  record(ex: Exchange, outcome: string, counter: Counter | null, detail?: string): void;
  /** The primary key a GET for this URL would have, with the exchange's request headers. */
  keyFor(ex: Exchange, path: string, search: string): string;
  /** Whether `entry` may stand in for a failed upstream now (stale-if-error). */
  mayServeOnError(ex: Exchange, entry: CacheEntry, now: number): boolean;
}

/** The cache's own conditionals, left out of a refetch. */
const UNCONDITIONAL = new Set<string>(CONDITIONAL_HEADERS);

export interface ForwardContext {
  readonly key: string;
  readonly uri: string;
  readonly request: StoreRequest;
  /** Why the request went upstream: uri-miss | vary-miss | stale | request (RFC 9211 fwd). */
  readonly fwd: string;
  /** The request was let past the cache on purpose (no-store, a range): already recorded as BYPASS. */
  readonly bypass: boolean;
  /** The stored response this request revalidates with conditionals the cache added, or null. */
  readonly revalidating: CacheEntry | null;
  /** A stale response that may stand in for an upstream failure, or null. */
  readonly fallback: CacheEntry | null;
  /** Held while this request leads a collapsed fetch; released as soon as the outcome is known. */
  readonly lock: Lock | null;
}

/**
 * Stores a response a 304 freshened, unless the headers the 304 brought
 * (private, no-store, Set-Cookie…) forbid keeping it: then the stored copy
 * goes too. Either way the client that revalidated is served.
 */
export function keepRevalidated(host: CacheHost, request: StoreRequest, updated: CacheEntry): void {
  const cc = parseCacheControl(updated.headers['cache-control']);
  // The stored response is a GET's, whichever method revalidated it.
  const why = whyNotStorable({ ...request, method: 'GET' }, updated.status, updated.headers, cc, host.defaults, updated.responseTime);
  if (why === null) host.cache.store(updated);
  else host.cache.remove(updated);
}

export class StoreSink extends ForwardingSink {
  private readonly requestTime = Date.now();
  private responseTime = 0;
  /** The response was replaced by a stored one: what the upstream sends from now on is dropped. */
  private replaced = false;
  private chunks: Buffer[] | null = null;
  private collected = 0;
  private status = 0;
  private statusMessage: string | undefined;
  private head0: ResponseHeaders | null = null;
  /** A refetch replacing an unusable 304 is under way: what the upstream sends is dropped. */
  private refetching = false;
  private refetch: Promise<void> | null = null;

  constructor(
    inner: ResponseSink,
    private readonly host: CacheHost,
    private readonly ex: Exchange,
    private readonly fc: ForwardContext,
  ) {
    super(inner);
  }

  override head(status: number, headers: ResponseHeaders, statusMessage?: string): void {
    const { host, fc, ex } = this;
    const now = (this.responseTime = Date.now());
    const rv = fc.revalidating;
    if (rv !== null && status === 304) {
      this.release();
      if (!selectedBy304(rv, headers, true)) {
        // A 304 naming another representation (§4.3.4): the stored body cannot be used or relabelled.
        host.cache.remove(rv);
        this.refetching = true;
        this.refetch = this.fetchWhole();
        // Awaited by the policy once the upstream call is done; marked handled until then.
        this.refetch.catch(() => undefined);
        return;
      }
      const updated = revalidatedEntry(rv, headers, this.requestTime, now, host.defaults);
      keepRevalidated(host, fc.request, updated);
      host.record(ex, 'REVALIDATED', 'revalidated');
      this.replaceWith(updated, { fwd: 'stale', fwdStatus: 304, ttl: remainingTtl(updated, now), key: fc.key }, now);
      return;
    }
    if (status === 304 && fc.fallback !== null) return this.passNotModified(fc.fallback, headers, now, statusMessage);
    if (status >= 500 && this.serveFallback(`upstream answered ${status}`, status)) return;

    const cc = parseCacheControl(headers['cache-control']);
    let why = whyNotStorable(fc.request, status, headers, cc, host.defaults, now);
    const length = Number(headers['content-length'] ?? 0);
    if (why === null && length > host.maxObjectSize) why = 'too-large';
    if (why === null) {
      this.chunks = [];
      this.status = status;
      this.statusMessage = statusMessage;
      this.head0 = { ...headers };
    } else {
      this.release();
      // The origin answered anew and it may not be kept: the old copy must not be served stale later either.
      if (fc.fallback !== null && status < 500) host.cache.remove(fc.fallback);
    }
    if (!fc.bypass) host.record(ex, 'MISS', 'misses', why === null ? fc.fwd : `${fc.fwd}, not stored: ${why}`);
    const member = cacheStatusMember(host.name, { fwd: fc.fwd, fwdStatus: status, stored: why === null, key: fc.key, detail: why ?? undefined });
    headers['cache-status'] = appendCacheStatus(headers['cache-status'], member);
    this.inner.head(status, headers, statusMessage);
  }

  override write(chunk: Buffer): boolean {
    if (this.replaced || this.refetching) return true;
    const chunks = this.chunks;
    if (chunks !== null) {
      this.collected += chunk.length;
      if (this.collected > this.host.maxObjectSize) {
        // Too large after all (no Content-Length announced it): stop copying, keep streaming.
        this.chunks = null;
        this.release();
      } else {
        chunks.push(chunk);
      }
    }
    return this.inner.write(chunk);
  }

  override end(trailers?: ResponseHeaders): void {
    if (this.replaced || this.refetching) return;
    this.inner.end(trailers);
    const chunks = this.chunks;
    if (chunks !== null && this.head0 !== null) {
      this.chunks = null;
      const { fc, ex } = this;
      const entry = makeEntry(
        {
          key: fc.key,
          uri: fc.uri,
          requestHeaders: ex.req.headers,
          status: this.status,
          statusMessage: this.statusMessage,
          headers: this.head0,
          body: ownedBody(chunks, this.collected),
          requestTime: this.requestTime,
          responseTime: this.responseTime,
        },
        this.host.defaults,
      );
      this.host.cache.store(entry);
    }
    this.release();
  }

  override destroy(): void {
    if (this.replaced || this.refetching) return;
    this.chunks = null;
    this.release();
    this.inner.destroy();
  }

  override get headSent(): boolean {
    return this.replaced || this.refetching || this.inner.headSent;
  }

  /** Settles once the refetch the sink started (after a 304 for another representation), if any, has answered the client. */
  get pending(): Promise<void> | null {
    return this.refetch;
  }

  /** The client already got a whole stored response in place of the upstream's. */
  get answered(): boolean {
    return this.replaced;
  }

  /**
   * Serves the stale fallback instead of an upstream failure, when it is
   * allowed and nothing has reached the client yet. Returns whether it did.
   */
  serveFallback(why: string, upstreamStatus?: number): boolean {
    const { fc, host, ex } = this;
    const now = Date.now();
    if (fc.fallback === null || this.replaced || this.inner.headSent || !host.mayServeOnError(ex, fc.fallback, now)) return false;
    this.release();
    host.record(ex, 'STALE', 'stale', `stale-if-error: ${why}`);
    const member = { hit: true, ttl: remainingTtl(fc.fallback, now), key: fc.key, detail: 'stale-if-error', ...(upstreamStatus ? { fwd: 'stale', fwdStatus: upstreamStatus } : {}) };
    this.replaceWith(fc.fallback, member, now);
    return true;
  }

  /**
   * The origin answered the client's own conditional with 304: it goes on to
   * the client as it is, and freshens the stale stored response when it is
   * about that response (§4.3.3, §4.3.4) instead of leaving it to expire.
   */
  private passNotModified(stored: CacheEntry, headers: ResponseHeaders, now: number, statusMessage: string | undefined): void {
    const { host, fc, ex } = this;
    this.release();
    const about = selectedBy304(stored, headers, false);
    if (about) keepRevalidated(host, fc.request, revalidatedEntry(stored, headers, this.requestTime, now, host.defaults));
    host.record(ex, about ? 'REVALIDATED' : 'MISS', about ? 'revalidated' : 'misses', about ? undefined : `${fc.fwd}, 304 not about the stored response`);
    const member = cacheStatusMember(host.name, { fwd: fc.fwd, fwdStatus: 304, key: fc.key });
    headers['cache-status'] = appendCacheStatus(headers['cache-status'], member);
    this.inner.head(304, headers, statusMessage);
  }

  /**
   * The unconditional GET that replaces a 304 the stored response cannot
   * use; its answer goes to the client and, when storable, into the cache.
   */
  private async fetchWhole(): Promise<void> {
    const { host, fc, ex } = this;
    const action = ex.route?.action;
    try {
      if (action?.kind !== 'proxy') throw new SwitchyardError('UPSTREAM_BAD_RESPONSE', 'The upstream answered the cache’s revalidation with a 304 for another representation.');
      const requestTime = Date.now();
      const res = await fetchFromUpstream(ex, action.upstream, { omit: UNCONDITIONAL, add: [], maxBody: host.maxObjectSize });
      if (res.body === null) throw new SwitchyardError('UPSTREAM_BAD_RESPONSE', 'The upstream answered the cache’s revalidation with a 304 for another representation, and the full response is larger than maxObjectSize.');
      const now = Date.now();
      const why = whyNotStorable(fc.request, res.status, res.headers, parseCacheControl(res.headers['cache-control']), host.defaults, now);
      if (why === null) {
        const entry = { key: fc.key, uri: fc.uri, requestHeaders: ex.req.headers, status: res.status, statusMessage: res.statusMessage, headers: res.headers, body: res.body, requestTime, responseTime: now };
        host.cache.store(makeEntry(entry, host.defaults));
      }
      host.record(ex, 'MISS', 'misses', `stale, 304 for another representation, refetched${why === null ? '' : `, not stored: ${why}`}`);
      const member = cacheStatusMember(host.name, { fwd: 'stale', fwdStatus: res.status, stored: why === null, key: fc.key, detail: why ?? undefined });
      res.headers['cache-status'] = appendCacheStatus(res.headers['cache-status'], member);
      this.replaced = true;
      this.inner.head(res.status, res.headers, res.statusMessage);
      if (ex.method !== 'HEAD' && res.body.length > 0) this.inner.write(res.body);
      this.inner.end();
    } finally {
      this.refetching = false;
    }
  }

  /** Releases collapsed waiters; safe to call more than once. */
  release(): void {
    this.fc.lock?.release();
  }

  private replaceWith(entry: CacheEntry, member: Parameters<typeof cacheStatusMember>[1], now: number): void {
    this.replaced = true;
    serveEntry(this.ex, this.inner, entry, cacheStatusMember(this.host.name, member), now);
  }
}
