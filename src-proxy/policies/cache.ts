/**
 * `type: cache` — a shared HTTP cache (RFC 9111) in front of a route's
 * upstream. The request side decides between serving a stored response (hit,
 * 304 to a client's conditional, a byte range of a fresh one, stale within
 * max-stale or stale-while-revalidate) and forwarding (miss, or revalidation with the
 * cache's own If-None-Match / If-Modified-Since on the in-flight request);
 * the response side is StoreSink (cache/store-sink.ts). Concurrent misses for
 * one key are collapsed into one upstream request. docs/cache.md explains it.
 */
import { join } from 'node:path';
import { parseDuration, parseSize } from '../config/units.js';
import { isSwitchyardError } from '../errors.js';
import type { PolicyOf } from '../config/policy-schema.js';
import type { StepResult } from '../pipeline/compose.js';
import type { Exchange } from '../pipeline/exchange.js';
import { responseSink, wrapResponse } from '../pipeline/response-sink.js';
import { sendFixed } from '../pipeline/respond.js';
import { setRequestHeader } from '../pipeline/request-headers.js';
import { parseCacheControl, requestDirectives, seconds, type Directives } from '../cache/cache-control.js';
import { cacheKey, uriOf, type KeyConfig } from '../cache/cache-key.js';
import { cacheStatusMember, type CacheStatusParams } from '../cache/cache-status.js';
import { Collapser } from '../cache/collapser.js';
import { hasConditionals, notModified } from '../cache/conditional.js';
import { currentAge, remainingTtl, type CacheEntry, type EntryDefaults } from '../cache/entry.js';
import { HttpCache, type CacheStats, type Counter, type PurgeSelector } from '../cache/http-cache.js';
import { InvalidatingSink, isUnsafe } from '../cache/invalidate-sink.js';
import { refreshInBackground } from '../cache/background-refresh.js';
import { answerRange } from '../cache/byte-range.js';
import { serveEntry, serveNotModified, servePart, serveUnsatisfiable } from '../cache/serve-entry.js';
import { StoreSink, type CacheHost, type ForwardContext } from '../cache/store-sink.js';
import { sharedWithCredentials } from '../cache/storability.js';
import { decide } from './decide.js';
import type { Policy, PolicyContext, PolicyFactory } from './policy.js';

type CacheConfig = PolicyOf<'cache'>;

const DEFAULT_MAX_SIZE = 64 * 1024 * 1024;
const DEFAULT_MAX_OBJECT_SIZE = 1024 * 1024;
const DEFAULT_DISK_MAX_SIZE = 256 * 1024 * 1024;
/** How long collapsed requests wait for the leader before going upstream themselves (nginx: proxy_cache_lock_timeout 5s). */
const COLLAPSE_WAIT_MS = 5000;
/** Preconditions the cache does not evaluate: such requests are forwarded as they are. */
const PASS_THROUGH = ['if-match', 'if-unmodified-since'] as const;

export class CachePolicy implements Policy, CacheHost {
  readonly type = 'cache' as const;
  readonly handle: (ex: Exchange, next: () => StepResult) => StepResult;
  readonly cache: HttpCache;
  readonly defaults: EntryDefaults;
  readonly maxObjectSize: number;
  private readonly keyConfig: KeyConfig;
  private readonly collapser = new Collapser(COLLAPSE_WAIT_MS);

  constructor(
    readonly name: string,
    config: CacheConfig,
    ctx: PolicyContext,
  ) {
    this.defaults = {
      defaultTtl: config.defaultTtl === undefined ? null : Math.floor(parseDuration(config.defaultTtl) / 1000),
      heuristic: config.heuristic ?? null,
      staleWhileRevalidate: config.staleWhileRevalidate === undefined ? 0 : parseDuration(config.staleWhileRevalidate) / 1000,
      staleIfError: config.staleIfError === undefined ? 0 : parseDuration(config.staleIfError) / 1000,
    };
    this.maxObjectSize = config.maxObjectSize === undefined ? DEFAULT_MAX_OBJECT_SIZE : parseSize(config.maxObjectSize);
    const key = config.key;
    this.keyConfig = {
      method: key?.method ?? true,
      host: key?.host ?? true,
      query: key?.query ?? true,
      headers: (key?.headers ?? []).map((h) => h.toLowerCase()),
    };
    const diskDir = config.disk === undefined ? null : (config.disk.path ?? (ctx.dataDir === null ? null : join(ctx.dataDir, 'cache', name)));
    this.cache = new HttpCache(
      config.maxSize === undefined ? DEFAULT_MAX_SIZE : parseSize(config.maxSize),
      diskDir === null ? null : { dir: diskDir, maxSize: config.disk?.maxSize === undefined ? DEFAULT_DISK_MAX_SIZE : parseSize(config.disk.maxSize) },
    );
    this.handle = (ex, next) => this.onRequest(ex, next);
  }

  purge(sel: PurgeSelector): number {
    return this.cache.purge(sel);
  }

  stats(): CacheStats & { waiting: number } {
    return { ...this.cache.stats(), waiting: this.collapser.waiting };
  }

  close(): void {
    this.cache.close();
  }

  record(ex: Exchange, outcome: string, counter: Counter | null, detail?: string): void {
    if (counter !== null) this.cache.count(counter);
    decide(ex, { policy: this.name, type: 'cache', outcome, ...(detail ? { detail } : {}) });
  }

  keyFor(ex: Exchange, path: string, search: string): string {
    return cacheKey(this.keyConfig, { host: ex.host, path, search, headers: ex.req.headers });
  }

  mayServeOnError(ex: Exchange, entry: CacheEntry, now: number): boolean {
    // must-revalidate, proxy-revalidate, s-maxage and no-cache forbid stale use, errors included (§4.2.4).
    if (entry.stale.mustRevalidate || entry.noCache) return false;
    const requested = seconds(requestDirectives(ex.req.headers), 'stale-if-error') ?? 0;
    return -remainingTtl(entry, now) <= Math.max(entry.stale.staleIfError, requested);
  }

  private onRequest(ex: Exchange, next: () => StepResult): StepResult {
    const method = ex.method;
    if (method !== 'GET' && method !== 'HEAD') {
      if (isUnsafe(method)) wrapResponse(ex, (inner) => new InvalidatingSink(inner, this, ex));
      return next();
    }
    const headers = ex.req.headers;
    const directives = requestDirectives(headers);
    const key = this.keyFor(ex, ex.path, ex.search);
    const passThrough = directives.has('no-store') || PASS_THROUGH.some((h) => headers[h] !== undefined);
    if (passThrough && directives.has('only-if-cached')) return this.gatewayTimeout(ex, key);
    if (passThrough) {
      this.record(ex, 'BYPASS', 'bypassed', directives.has('no-store') ? 'request no-store' : 'precondition');
      return this.forward(ex, next, { ...this.context(ex, key, directives, 'request', null, null), bypass: true });
    }
    // If-Range without Range is ignored (RFC 9110 §13.1.5); Range itself is answered only from a fresh entry.
    const ranged = headers.range !== undefined;
    const entry = this.cache.lookup(key, headers);
    if (entry === null && this.cache.hasDisk) {
      return this.cache.lookupDisk(key, headers).then((e) => (ranged ? this.withRangeEntry(ex, next, key, directives, e) : this.withEntry(ex, next, key, directives, e)));
    }
    return ranged ? this.withRangeEntry(ex, next, key, directives, entry) : this.withEntry(ex, next, key, directives, entry);
  }

  /**
   * A request with Range: served (206, 416 or the whole 200, see hit) from a
   * fresh entry; anything else — a miss, a stale entry — is forwarded as it is
   * and nothing is stored from it (a 206 is never stored; collapsing or
   * revalidating on a partial request would hand others a part).
   */
  private withRangeEntry(ex: Exchange, next: () => StepResult, key: string, directives: Directives, found: CacheEntry | null): StepResult {
    const now = Date.now();
    const entry = this.usable(ex, found);
    const ttl = entry === null ? 0 : remainingTtl(entry, now);
    if (entry !== null && this.fresh(entry, directives, ttl, now)) {
      this.hit(ex, entry, { hit: true, ttl, key }, 'HIT', 'hits', now);
      return;
    }
    if (directives.has('only-if-cached')) return this.gatewayTimeout(ex, key);
    this.record(ex, 'BYPASS', 'bypassed', entry === null ? 'range, not stored' : 'range, stored response not fresh');
    return this.forward(ex, next, { ...this.context(ex, key, directives, 'request', null, null), bypass: true });
  }

  private withEntry(ex: Exchange, next: () => StepResult, key: string, directives: Directives, entry: CacheEntry | null, collapsed = false): StepResult {
    const now = Date.now();
    const headers = ex.req.headers;
    if (entry === null) {
      if (directives.has('only-if-cached')) return this.gatewayTimeout(ex, key);
      const fwd = this.cache.hasKey(key) ? 'vary-miss' : 'uri-miss';
      return this.lead(ex, next, key, directives, this.context(ex, key, directives, fwd, null, null), collapsed);
    }
    if (this.usable(ex, entry) === null) {
      // Stored for requests without credentials: this one goes upstream, and the entry stays for the others.
      if (directives.has('only-if-cached')) return this.gatewayTimeout(ex, key);
      return this.lead(ex, next, key, directives, this.context(ex, key, directives, 'request', null, null), collapsed);
    }
    const ttl = remainingTtl(entry, now);
    if (this.fresh(entry, directives, ttl, now)) {
      this.hit(ex, entry, { hit: true, ttl, key, ...(collapsed ? { collapsed: true } : {}) }, collapsed ? 'COLLAPSED' : 'HIT', collapsed ? 'collapsed' : 'hits', now);
      return;
    }
    const staleFor = -ttl;
    const mayBeStale = staleFor > 0 && !entry.noCache && !entry.stale.mustRevalidate && !directives.has('no-cache') && this.ageAllowed(entry, directives, now);
    if (mayBeStale) {
      const maxStale = directives.get('max-stale');
      const allowed = maxStale === true ? Infinity : (seconds(directives, 'max-stale') ?? -1);
      if (staleFor <= allowed) {
        this.hit(ex, entry, { hit: true, ttl, key, detail: 'max-stale' }, 'STALE', 'stale', now);
        return;
      }
      const action = ex.route?.action;
      if (staleFor <= entry.stale.staleWhileRevalidate && action?.kind === 'proxy') {
        this.hit(ex, entry, { hit: true, ttl, key, detail: 'stale-while-revalidate' }, 'STALE', 'stale', now);
        refreshInBackground(this, this.collapser, ex, action.upstream, entry);
        return;
      }
    }
    if (directives.has('only-if-cached')) return this.gatewayTimeout(ex, key);
    // Revalidate with our own validators, unless the client brought its own (then its answer is its own).
    const validator = entry.etag !== undefined || entry.lastModified !== undefined;
    const revalidating = validator && !hasConditionals(headers) ? entry : null;
    // RFC 9211: fwd=request when the stored response was fresh but the request's directives ruled it out.
    const fwd = ttl > 0 && !entry.noCache ? 'request' : 'stale';
    return this.lead(ex, next, key, directives, this.context(ex, key, directives, fwd, revalidating, entry), collapsed);
  }

  /** The entry, unless the request has Authorization and the stored response does not allow sharing it (§3.5). */
  private usable(ex: Exchange, entry: CacheEntry | null): CacheEntry | null {
    if (entry === null || ex.req.headers.authorization === undefined) return entry;
    return sharedWithCredentials(parseCacheControl(entry.headers['cache-control'])) ? entry : null;
  }

  /** Fresh enough for this request (§4.2, request max-age and min-fresh, no-cache on either side). */
  private fresh(entry: CacheEntry, d: Directives, ttl: number, now: number): boolean {
    if (ttl <= 0 || entry.noCache || d.has('no-cache')) return false;
    const minFresh = seconds(d, 'min-fresh');
    if (minFresh !== null && ttl < minFresh) return false;
    return this.ageAllowed(entry, d, now);
  }

  private ageAllowed(entry: CacheEntry, d: Directives, now: number): boolean {
    const maxAge = seconds(d, 'max-age');
    return maxAge === null || currentAge(entry, now) <= maxAge;
  }

  private hit(ex: Exchange, entry: CacheEntry, status: CacheStatusParams, outcome: string, counter: Counter, now: number): void {
    const member = cacheStatusMember(this.name, status);
    const sink = responseSink(ex);
    const h = ex.req.headers;
    // If-None-Match / If-Modified-Since come before Range (RFC 9110 §13.2.2); a HEAD ignores Range.
    if ((h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined) && notModified(entry, h)) {
      this.record(ex, outcome, counter);
      serveNotModified(ex, sink, entry, member, now);
      return;
    }
    const range = ex.method === 'GET' && h.range !== undefined ? answerRange(entry, h) : null;
    if (range?.kind === 'part') {
      this.record(ex, outcome, counter, `range ${range.first}-${range.last}`);
      servePart(ex, sink, entry, member, now, range.first, range.last);
    } else if (range?.kind === 'unsatisfiable') {
      this.record(ex, outcome, counter, 'range not satisfiable');
      serveUnsatisfiable(ex, sink, entry, member);
    } else {
      this.record(ex, outcome, counter, range === null ? undefined : `range ignored: ${range.why}`);
      serveEntry(ex, sink, entry, member, now);
    }
  }

  /** Collapses concurrent GETs for one key: the first goes upstream, the others wait and look again. */
  private lead(ex: Exchange, next: () => StepResult, key: string, d: Directives, fc: ForwardContext, collapsed: boolean): StepResult {
    // A request that insists on the origin (no-cache, max-age=0) and one that already waited do not queue.
    if (collapsed || ex.method !== 'GET' || d.has('no-cache') || seconds(d, 'max-age') === 0) return this.forward(ex, next, fc);
    const lock = this.collapser.tryLead(key);
    if (lock !== null) return this.forward(ex, next, { ...fc, lock });
    return this.collapser.wait(key).then(async () => {
      let entry = this.cache.lookup(key, ex.req.headers);
      if (entry === null && this.cache.hasDisk) entry = await this.cache.lookupDisk(key, ex.req.headers);
      return this.withEntry(ex, next, key, d, entry, true);
    });
  }

  private context(ex: Exchange, key: string, d: Directives, fwd: string, revalidating: CacheEntry | null, fallback: CacheEntry | null): ForwardContext {
    return {
      key,
      uri: uriOf(ex.host, ex.path, ex.search),
      request: { method: ex.method, directives: d, hasAuthorization: ex.req.headers.authorization !== undefined },
      fwd,
      bypass: false,
      revalidating,
      fallback,
      lock: null,
    };
  }

  private forward(ex: Exchange, next: () => StepResult, fc: ForwardContext): StepResult {
    const rv = fc.revalidating;
    if (rv !== null) {
      // The conditional goes on the in-flight request, so a 200 streams to the client as usual (see docs/cache.md).
      if (rv.etag !== undefined) setRequestHeader(ex, 'If-None-Match', rv.etag);
      if (rv.lastModified !== undefined) setRequestHeader(ex, 'If-Modified-Since', rv.lastModified);
    }
    let sink!: StoreSink;
    wrapResponse(ex, (inner) => (sink = new StoreSink(inner, this, ex, fc)));
    let result: StepResult;
    try {
      result = next();
    } catch (err) {
      return this.failed(sink, err);
    }
    if (result === undefined) {
      sink.release();
      return sink.pending ?? undefined;
    }
    return result.then(
      () => {
        sink.release();
        // A 304 the stored response could not use is being replaced by a full response.
        return sink.pending ?? undefined;
      },
      (err: unknown) => this.failed(sink, err),
    );
  }

  /** The upstream could not be reached: stale-if-error, or the error goes on to become a problem response. */
  private failed(sink: StoreSink, err: unknown): void {
    sink.release();
    // The upstream failed after its answer was replaced by a stored one: the client is served.
    if (sink.answered) return;
    // Only gateway failures (502, 503, 504…) are errors stale-if-error covers; a refusal (401, 413…) stands.
    if (!isSwitchyardError(err) || err.status < 500 || !sink.serveFallback(err.message)) throw err;
  }

  private gatewayTimeout(ex: Exchange, key: string): void {
    this.record(ex, 'MISS', 'misses', 'only-if-cached');
    const member = cacheStatusMember(this.name, { fwd: 'miss', key, detail: 'only-if-cached' });
    sendFixed(ex, 504, { 'cache-status': member, 'content-type': 'text/plain' }, Buffer.from('Not in the cache (only-if-cached).\n'));
  }
}

export const cachePolicy: PolicyFactory<'cache'> = {
  check(config, report) {
    if (config.maxObjectSize !== undefined && parseSize(config.maxObjectSize) > (config.maxSize === undefined ? DEFAULT_MAX_SIZE : parseSize(config.maxSize))) {
      report(['maxObjectSize'], 'maxObjectSize is larger than maxSize: such responses could never be kept', 'warning');
    }
  },
  create: (name, config, ctx) => new CachePolicy(name, config, ctx),
};
