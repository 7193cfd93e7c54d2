/**
 * cors: answers preflights at the gateway and adds CORS fields to actual
 * responses. Allowed origins are exact ("https://app.example.com"), any ("*"),
 * or any subdomain ("https://*.example.com", not the apex). The allowed
 * origin is echoed (a literal "*" only for "*" without credentials), and
 * `Vary: Origin` is merged into the upstream's Vary whenever the answer
 * depends on the origin. A preflight that is not allowed gets a 403 problem
 * without CORS fields: the browser blocks it either way, and the problem's
 * detail tells the developer why.
 */
import type { PolicyOf } from '../config/policy-schema.js';
import { parseDuration } from '../config/units.js';
import { SwitchyardError } from '../errors.js';
import type { Exchange } from '../pipeline/exchange.js';
import { sendFixed } from '../pipeline/respond.js';
import { ForwardingSink, wrapResponse, type ResponseHeaders, type ResponseSink } from '../pipeline/response-sink.js';
import { decide } from './decide.js';
import type { Policy, PolicyFactory } from './policy.js';

type Config = PolicyOf<'cors'>;
const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Methods and headers every CORS request may use without being listed (Fetch "CORS-safelisted"). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'POST']);

export const corsPolicy: PolicyFactory<'cors'> = {
  check(config, report) {
    config.origins.forEach((o, i) => {
      if (o !== '*' && originMatcher(o) === null) report(['origins', i], `"${o}" is not an origin: expected "*", "https://host[:port]" or "https://*.domain"`);
    });
    if (config.credentials && config.origins.includes('*')) {
      report(['credentials'], 'with credentials and "*", every origin is echoed back with credentials allowed: any site can make credentialed requests', 'warning');
    }
  },
  create(name, config): Policy {
    const c = compile(config);
    return {
      name,
      type: 'cors',
      handle(ex, next) {
        const origin = ex.header('origin');
        const requestedMethod = ex.method === 'OPTIONS' && origin !== undefined ? ex.header('access-control-request-method') : undefined;
        if (requestedMethod !== undefined) return preflight(ex, name, c, origin!, requestedMethod);
        if (origin === undefined) {
          if (c.varies) wrapResponse(ex, (inner) => new CorsHeaders(inner, null, c));
          return next();
        }
        const allowed = c.allows(origin);
        decide(ex, { policy: name, type: 'cors', outcome: allowed ? 'allowed' : 'denied', detail: origin });
        wrapResponse(ex, (inner) => new CorsHeaders(inner, allowed ? c.allowOrigin(origin) : null, c));
        return next();
      },
    };
  },
};

interface Compiled {
  allows(origin: string): boolean;
  /** The Access-Control-Allow-Origin value for an allowed origin. */
  allowOrigin(origin: string): string;
  /** Whether answers depend on the Origin (anything but a bare "*"): then Vary: Origin. */
  readonly varies: boolean;
  readonly methods: ReadonlySet<string>;
  readonly methodList: string;
  /** Lower-case allowed request headers, or null: allow what the preflight asks for. */
  readonly headers: ReadonlySet<string> | null;
  readonly headerList: string | null;
  readonly exposeHeaders: string | null;
  readonly credentials: boolean;
  readonly maxAge: string | null;
}

function compile(config: Config): Compiled {
  const any = config.origins.includes('*');
  const matchers = config.origins.filter((o) => o !== '*').map((o) => originMatcher(o)!);
  const credentials = config.credentials === true;
  const methods = (config.methods ?? DEFAULT_METHODS).map((m) => m.toUpperCase());
  // "*" allows any request header, as with nginx or Kong: the preflight's own list is echoed (which, unlike
  // a literal "*", also covers Authorization and works with credentials).
  const listed = config.headers?.includes('*') ? undefined : config.headers;
  const headers = listed?.map((h) => h.toLowerCase()) ?? null;
  return {
    allows: (origin) => any || matchers.some((m) => m(origin)),
    allowOrigin: (origin) => (any && !credentials ? '*' : origin),
    varies: !any || credentials,
    methods: new Set(methods),
    methodList: methods.join(', '),
    headers: headers === null ? null : new Set(headers),
    headerList: listed === undefined ? null : listed.join(', '),
    exposeHeaders: config.exposeHeaders?.length ? config.exposeHeaders.join(', ') : null,
    credentials,
    maxAge: config.maxAge ? String(Math.floor(parseDuration(config.maxAge) / 1000)) : null,
  };
}

/** "https://app.example.com" (exact) or "https://*.example.com" (subdomains at any depth), scheme and port included. */
function originMatcher(pattern: string): ((origin: string) => boolean) | null {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i.exec(pattern);
  if (m === null) return null;
  const exact = pattern.toLowerCase();
  if (m[2] === undefined) return (origin) => origin.toLowerCase() === exact;
  const prefix = `${m[1].toLowerCase()}://`;
  const suffix = `.${m[3].toLowerCase()}${m[4] ?? ''}`;
  return (origin) => {
    const o = origin.toLowerCase();
    if (!o.startsWith(prefix) || !o.endsWith(suffix)) return false;
    const sub = o.slice(prefix.length, o.length - suffix.length);
    return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(sub);
  };
}

function preflight(ex: Exchange, name: string, c: Compiled, origin: string, requestedMethod: string): void {
  const method = requestedMethod.trim().toUpperCase();
  const requested = (ex.header('access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  let refusal: string | null = null;
  if (!c.allows(origin)) refusal = `origin ${origin} is not allowed`;
  else if (!c.methods.has(method) && !SAFE_METHODS.has(method)) refusal = `method ${method} is not allowed (allowed: ${c.methodList})`;
  else if (c.headers !== null) {
    const missing = requested.filter((h) => !c.headers!.has(h));
    if (missing.length > 0) refusal = `request header(s) ${missing.join(', ')} not allowed`;
  }
  if (refusal !== null) {
    decide(ex, { policy: name, type: 'cors', outcome: 'preflight-denied', detail: refusal });
    throw new SwitchyardError('FORBIDDEN', `CORS preflight refused: ${refusal}.`, { headers: { vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' } });
  }
  decide(ex, { policy: name, type: 'cors', outcome: 'preflight', detail: origin });
  const headers: ResponseHeaders = {
    'access-control-allow-origin': c.allowOrigin(origin),
    'access-control-allow-methods': c.methodList,
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  };
  const allowHeaders = c.headerList ?? requested.join(', ');
  if (allowHeaders !== '') headers['access-control-allow-headers'] = allowHeaders;
  if (c.credentials) headers['access-control-allow-credentials'] = 'true';
  if (c.maxAge !== null) headers['access-control-max-age'] = c.maxAge;
  sendFixed(ex, 204, headers, Buffer.alloc(0));
}

/** Sets the CORS fields on an actual response (replacing any the upstream sent) and merges Vary: Origin. */
class CorsHeaders extends ForwardingSink {
  constructor(
    inner: ResponseSink,
    private readonly allowOrigin: string | null,
    private readonly c: Compiled,
  ) {
    super(inner);
  }

  override head(status: number, headers: ResponseHeaders, statusMessage?: string): void {
    const out: ResponseHeaders = { ...headers };
    // The gateway decides CORS for this route: the upstream's own answer must not widen it.
    delete out['access-control-allow-origin'];
    delete out['access-control-allow-credentials'];
    delete out['access-control-expose-headers'];
    if (this.allowOrigin !== null) {
      out['access-control-allow-origin'] = this.allowOrigin;
      if (this.c.credentials) out['access-control-allow-credentials'] = 'true';
      if (this.c.exposeHeaders !== null) out['access-control-expose-headers'] = this.c.exposeHeaders;
    }
    if (this.c.varies) out.vary = mergeVary(out.vary, 'Origin');
    super.head(status, out, statusMessage);
  }
}

/** Adds `field` to a Vary value unless it (or "*") is already there. */
export function mergeVary(vary: string | string[] | undefined, field: string): string {
  if (vary === undefined || vary.length === 0) return field;
  const value = Array.isArray(vary) ? vary.join(', ') : vary;
  const lower = field.toLowerCase();
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t === '*' || t === lower) return value;
  }
  return value.trim() === '' ? field : `${value}, ${field}`;
}
