/**
 * rate-limit: counts requests per key (client ip, consumer, a header's value,
 * or the route) with a token bucket or a sliding window. Every response gets
 * RateLimit-Limit / -Remaining / -Reset (and RateLimit-Policy); a refused
 * request gets 429 with Retry-After. Consumers whose plan is listed under
 * `plans` get that plan's limit. `by: consumer` without a consumer (no auth
 * policy ran before) counts by ip, and `by: header:NAME` without the header
 * does too, so a client cannot escape the limit by leaving something out.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { PolicyOf } from '../config/policy-schema.js';
import { parseDuration } from '../config/units.js';
import { SwitchyardError } from '../errors.js';
import type { Exchange } from '../pipeline/exchange.js';
import { ForwardingSink, wrapResponse, type ResponseHeaders, type ResponseSink } from '../pipeline/response-sink.js';
import { BoundedKeyStore } from './bounded-key-store.js';
import { parseIp } from './cidr.js';
import { decide } from './decide.js';
import type { LimiterState } from './limiter.js';
import type { Policy, PolicyFactory } from './policy.js';
import { SlidingWindow } from './sliding-window.js';
import { TokenBucket } from './token-bucket.js';

type Config = PolicyOf<'rate-limit'>;
interface Quota {
  readonly limit: number;
  readonly perMs: number;
  /** RateLimit-Policy value, e.g. "100;w=60". */
  readonly policy: string;
}

export const DEFAULT_MAX_KEYS = 100_000;

export const rateLimitPolicy: PolicyFactory<'rate-limit'> = {
  check(config, report) {
    if (parseDuration(config.per) === 0) report(['per'], 'per must be longer than 0: a window of no time counts nothing');
    for (const [plan, p] of Object.entries(config.plans ?? {})) {
      if (p.per !== undefined && parseDuration(p.per) === 0) report(['plans', plan, 'per'], 'per must be longer than 0: a window of no time counts nothing');
    }
    if (/^header:(x-forwarded-for|forwarded)$/i.test(config.by)) {
      report(['by'], `${config.by.slice(7)} is written by the client too (proxies append to it): each new value the client sends gets a fresh budget; use a header your load balancer sets, such as x-real-ip`, 'warning');
    }
    if (config.by === 'consumer') {
      report(['by'], 'by: consumer needs an auth policy (api-key, jwt, basic-auth) before this one on the route; requests without a consumer are counted by ip', 'warning');
    }
  },
  create(name, config): Policy {
    const base = quota(config.limit, parseDuration(config.per));
    const plans = new Map(Object.entries(config.plans ?? {}).map(([plan, p]) => [plan, quota(p.limit, p.per ? parseDuration(p.per) : base.perMs)]));
    const keyOf = keyFunction(config.by);
    const make: (q: Quota, now: number) => LimiterState =
      config.algorithm === 'sliding-window' ? (q, now) => new SlidingWindow(q.perMs, now) : (q, now) => new TokenBucket(q.limit, q.perMs, now);
    const store = new BoundedKeyStore<LimiterState>(config.maxKeys ?? DEFAULT_MAX_KEYS);

    // Forget quiet keys regularly (a refilled bucket is the same as none), so memory follows the active clients.
    const shortest = Math.min(base.perMs, ...[...plans.values()].map((q) => q.perMs));
    const sweeper = setInterval(() => {
      const now = Date.now();
      store.sweep((s) => s.idle(now));
    }, Math.min(Math.max(shortest, 1000), 60_000));
    sweeper.unref();

    return {
      name,
      type: 'rate-limit',
      handle(ex, next) {
        const plan = ex.consumer?.plan;
        const q = (plan != null ? plans.get(plan) : undefined) ?? base;
        const now = Date.now();
        const key = keyOf(ex);
        const v = store.touch(key, () => make(q, now)).take(q.limit, q.perMs, now);
        const limit = String(q.limit);
        const remaining = String(v.remaining);
        const reset = String(Math.ceil(v.resetMs / 1000));
        if (!v.allowed) {
          const retryAfter = String(Math.max(1, Math.ceil(v.retryAfterMs / 1000)));
          decide(ex, { policy: name, type: 'rate-limit', outcome: 'limited', detail: `${key}: ${q.limit} per ${q.perMs}ms, retry in ${retryAfter}s` });
          throw new SwitchyardError('TOO_MANY_REQUESTS', `Rate limit of ${q.limit} requests per ${describe(q.perMs)} exceeded; retry in ${retryAfter}s.`, {
            headers: {
              'retry-after': retryAfter,
              'ratelimit-limit': limit,
              'ratelimit-remaining': '0',
              'ratelimit-reset': reset,
              'ratelimit-policy': q.policy,
            },
          });
        }
        decide(ex, { policy: name, type: 'rate-limit', outcome: 'allowed', detail: `${key}: ${remaining}/${limit} left` });
        wrapResponse(ex, (inner) => new RateLimitHeaders(inner, limit, remaining, reset, q.policy));
        return next();
      },
      close() {
        clearInterval(sweeper);
        store.clear();
      },
    };
  },
};

function quota(limit: number, perMs: number): Quota {
  return { limit, perMs, policy: `${limit};w=${Math.max(1, Math.round(perMs / 1000))}` };
}

function keyFunction(by: Config['by']): (ex: Exchange) => string {
  if (by === 'route') return (ex) => 'route:' + (ex.route?.name ?? '');
  if (by === 'consumer') return (ex) => (ex.consumer !== null ? 'consumer:' + ex.consumer.name : ipKey(ex.clientIp));
  if (by.startsWith('header:')) {
    const header = by.slice('header:'.length).toLowerCase();
    // The value is often a credential (x-api-key, authorization): keys and decisions (which capture and the
    // live inspector show) carry a keyed digest of it, never the value, and a huge value costs no memory.
    const salt = randomBytes(16);
    return (ex) => {
      const v = ex.header(header);
      return v ? `header:${header}#${createHmac('sha256', salt).update(v).digest('base64url').slice(0, 16)}` : ipKey(ex.clientIp);
    };
  }
  return (ex) => ipKey(ex.clientIp);
}

/** IPv4 clients by address; IPv6 clients by their /64, which one host can fill with addresses at will. */
export function ipKey(ip: string): string {
  if (!ip.includes(':')) return 'ip:' + ip;
  const bytes = parseIp(ip);
  if (bytes === null || bytes.length === 4) return 'ip:' + ip;
  return 'ip:' + Buffer.from(bytes.subarray(0, 8)).toString('hex') + '::/64';
}

function describe(ms: number): string {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? 'hour' : `${ms / 3_600_000} hours`;
  if (ms % 60_000 === 0) return ms === 60_000 ? 'minute' : `${ms / 60_000} minutes`;
  if (ms % 1000 === 0) return ms === 1000 ? 'second' : `${ms / 1000} seconds`;
  return `${ms}ms`;
}

/** Adds the RateLimit-* fields to whatever answer comes back (proxied, cached or from the gateway). */
class RateLimitHeaders extends ForwardingSink {
  constructor(
    inner: ResponseSink,
    private readonly limit: string,
    private readonly remaining: string,
    private readonly reset: string,
    private readonly policy: string,
  ) {
    super(inner);
  }

  override head(status: number, headers: ResponseHeaders, statusMessage?: string): void {
    // A copy: the headers object may be shared (a cache serves one stored object to many responses).
    super.head(
      status,
      { ...headers, 'ratelimit-limit': this.limit, 'ratelimit-remaining': this.remaining, 'ratelimit-reset': this.reset, 'ratelimit-policy': this.policy },
      statusMessage,
    );
  }
}
