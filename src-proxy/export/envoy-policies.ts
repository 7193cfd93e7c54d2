/**
 * Switchyard policies as Envoy HTTP filters. Each policy becomes one filter
 * instance named `switchyard.<policy>`, disabled by default and enabled on
 * the routes that list the policy (HttpFilter.disabled + route FilterConfig),
 * so one listener can carry several differently configured instances.
 */
import { createPublicKey } from 'node:crypto';
import type { ListenerPlan, RoutePlan } from '../config/plan.js';
import type { PolicyConfig, PolicyOf } from '../config/policy-schema.js';
import { parseDuration, parseSize } from '../config/units.js';
import type { ExportOptions } from './exporter.js';
import { T } from './envoy-cluster.js';
import { fullMatchRegex, protoDuration, secretName, type NoteLog } from './translate.js';

type Json = Record<string, unknown>;

/** Filters collected over a listener's routes, in chain order. */
export class EnvoyFilterSet {
  private readonly filters = new Map<string, { filter: Json; type: string }>();
  constructor(
    readonly notes: NoteLog,
    readonly opts: ExportOptions,
    /** Extra clusters needed by filters (JWKS hosts). */
    readonly extraClusters: Map<string, Json>,
  ) {}

  add(name: string, typedConfig: Json, policyType: string, disabled = true): void {
    if (!this.filters.has(name)) this.filters.set(name, { filter: { name, ...(disabled ? { disabled: true } : {}), typed_config: typedConfig }, type: policyType });
  }

  /** http_filters for the connection manager: policy filters in TYPE_ORDER, then the router. */
  httpFilters(): Json[] {
    const ordered = [...this.filters.values()].sort((a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type));
    return [...ordered.map((f) => f.filter), { name: 'envoy.filters.http.router', typed_config: { '@type': T('envoy.extensions.filters.http.router.v3.Router') } }];
  }
}

/** Chain position by policy type (Envoy runs filters in list order, whatever order the route lists them in). */
const TYPE_ORDER = ['cors', 'ip-filter', 'fault', 'api-key', 'jwt', 'basic-auth', 'rate-limit', 'body-limit', 'sticky', 'cache', 'compress'];

export interface RoutePolicyResult {
  perFilter: Json;
  requestHeadersToAdd: Json[];
  requestHeadersToRemove: string[];
  responseHeadersToAdd: Json[];
  responseHeadersToRemove: string[];
  /** A mock policy without conditions answers instead of proxying. */
  directResponse: Json | null;
}

const enable = { '@type': T('envoy.config.route.v3.FilterConfig') };
const percent100 = { default_value: { numerator: 100, denominator: 'HUNDRED' } };

export function routePolicies(route: RoutePlan, listener: ListenerPlan, policies: ReadonlyMap<string, PolicyConfig>, set: EnvoyFilterSet): RoutePolicyResult {
  const out: RoutePolicyResult = {
    perFilter: {},
    requestHeadersToAdd: [],
    requestHeadersToRemove: [],
    responseHeadersToAdd: [],
    responseHeadersToRemove: [],
    directResponse: null,
  };
  const notes = set.notes;
  const types: string[] = [];
  for (const name of route.policies) {
    const p = policies.get(name);
    if (!p) continue;
    const subject = `route ${route.name}: policy ${name} (${p.type})`;
    const filterName = `switchyard.${name}`;
    const useFilter = (typedConfig: Json) => {
      set.add(filterName, typedConfig, p.type);
      out.perFilter[filterName] = enable;
      types.push(p.type);
    };
    switch (p.type) {
      case 'cors': {
        set.add('envoy.filters.http.cors', { '@type': T('envoy.extensions.filters.http.cors.v3.Cors') }, 'cors', false);
        out.perFilter['envoy.filters.http.cors'] = corsPolicy(p);
        types.push(p.type);
        if (p.headers === undefined) notes.approx(subject, 'CorsPolicy; without `headers` Envoy allows no request headers in preflights, where Switchyard echoes the requested ones');
        else notes.exact(subject, 'envoy.filters.http.cors with a per-route CorsPolicy');
        break;
      }
      case 'ip-filter': {
        useFilter(rbac('ALLOW', ipPrincipal(p)));
        if (p.trustedProxies?.length) notes.approx(subject, 'RBAC on remote_ip; trustedProxies become Envoy\'s use_remote_address/xff_num_trusted_hops setting, not a list of proxies');
        else notes.exact(subject, 'RBAC on the peer address (direct_remote_ip); refused clients get 403');
        break;
      }
      case 'api-key': {
        const header = (p.header ?? 'x-api-key').toLowerCase();
        const keys = Object.keys(p.keys).map((key, i) => (set.opts.includeSecrets ? key : secretName(name, 'key', i + 1)));
        useFilter(rbac('ALLOW', { or_ids: { ids: keys.map((k) => ({ header: { name: header, string_match: { exact: k } } })) } }));
        if (!p.keep) out.requestHeadersToRemove.push(header);
        notes.approx(subject, `RBAC allowing requests whose ${header} header is a listed key: a missing key gets 403 (Switchyard: 401), consumers and plans are not known to later filters${p.query ? `; the query parameter ${p.query} is not checked` : ''}`);
        if (!set.opts.includeSecrets) notes.approx(subject, 'keys written as SWITCHYARD_SECRET_… placeholders: substitute the real keys before deploying (or export with --include-secrets)');
        break;
      }
      case 'jwt': {
        const jwt = jwtConfig(name, p, set, subject);
        if (jwt) useFilter(jwt);
        break;
      }
      case 'basic-auth': {
        const lines = [...Object.entries(p.users ?? {}).map(([u, h]) => `${u}:${h}`), ...(p.htpasswd ?? [])];
        const sha = lines.filter((l) => l.slice(l.indexOf(':') + 1).startsWith('{SHA}'));
        if (p.htpasswdFile && lines.length === 0) {
          useFilter({ '@type': T('envoy.extensions.filters.http.basic_auth.v3.BasicAuth'), users: { filename: p.htpasswdFile } });
          notes.approx(subject, `users read from ${p.htpasswdFile}; Envoy accepts only {SHA} hashes`);
          break;
        }
        if (sha.length === 0) {
          notes.unsupported(subject, 'Envoy\'s basic_auth filter accepts only {SHA} password hashes; none of the users has one, so the policy is left out (the route is unprotected)');
          break;
        }
        const users = set.opts.includeSecrets ? sha.join('\n') : sha.map((l) => `${l.slice(0, l.indexOf(':'))}:${secretName(name, 'hash', lines.indexOf(l) + 1)}`).join('\n');
        useFilter({ '@type': T('envoy.extensions.filters.http.basic_auth.v3.BasicAuth'), users: { inline_string: users } });
        if (sha.length < lines.length) notes.unsupported(subject, `${lines.length - sha.length} user(s) with non-{SHA} hashes left out (Envoy accepts only {SHA})`);
        else notes.exact(subject, 'envoy.filters.http.basic_auth');
        if (!set.opts.includeSecrets) notes.approx(subject, 'password hashes written as SWITCHYARD_SECRET_… placeholders (export with --include-secrets to write them)');
        break;
      }
      case 'rate-limit': {
        const per = parseDuration(p.per);
        useFilter({
          '@type': T('envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit'),
          stat_prefix: `${name}`,
          token_bucket: { max_tokens: p.limit, tokens_per_fill: p.limit, fill_interval: protoDuration(per) },
          filter_enabled: percent100,
          filter_enforced: percent100,
          enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
        });
        const how = p.by === 'route' ? 'one bucket for the route' : `one bucket shared by every client of the route (Switchyard counts per ${p.by})`;
        notes.approx(subject, `local_ratelimit token bucket ${p.limit}/${p.per}: ${how}, per Envoy instance${p.plans ? '; per-plan limits not translated' : ''}`);
        break;
      }
      case 'body-limit': {
        useFilter({ '@type': T('envoy.extensions.filters.http.buffer.v3.Buffer'), max_request_bytes: parseSize(p.maxSize) });
        notes.approx(subject, `buffer filter with max_request_bytes ${parseSize(p.maxSize)}: 413 above it, but Envoy buffers the whole request body before proxying`);
        break;
      }
      case 'compress': {
        const algos = (p.algorithms ?? ['br', 'gzip']).filter((a) => a !== 'deflate');
        for (const a of algos) {
          const fname = `${filterName}.${a}`;
          set.add(fname, compressor(a, p), p.type);
          out.perFilter[fname] = enable;
        }
        types.push(p.type);
        notes.approx(subject, `compressor filters for ${algos.join(', ')}${(p.algorithms ?? []).includes('deflate') ? ' (deflate has no Envoy compressor)' : ''}; Envoy picks by its own Accept-Encoding preference`);
        break;
      }
      case 'fault': {
        const fault = faultConfig(p);
        useFilter(fault);
        const issues = [p.reset ? 'connection reset not translated' : '', typeof p.delay === 'object' ? 'a delay range becomes its midpoint' : '', p.when?.query ? 'query conditions not translated' : '']
          .filter(Boolean);
        if (issues.length) notes.approx(subject, `envoy.filters.http.fault; ${issues.join('; ')}`);
        else notes.exact(subject, 'envoy.filters.http.fault');
        break;
      }
      case 'cache': {
        useFilter({ '@type': T('envoy.extensions.filters.http.cache.v3.CacheConfig'), typed_config: { '@type': T('envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig') } });
        notes.approx(subject, 'envoy.filters.http.cache with the in-memory simple cache (RFC 7234 rules); defaultTtl, size limits, stale-* and custom keys are not translated');
        break;
      }
      case 'headers': {
        headerOps(p, listener, out);
        notes.approx(subject, `request/response headers_to_add and headers_to_remove on the route${p.request?.rename || p.response?.rename ? '; rename becomes add-from-%REQ()%/%RESP()% plus remove' : ''}; Envoy applies removals before additions`);
        break;
      }
      case 'mock': {
        if (p.when || p.bodyFile) {
          notes.unsupported(subject, p.when ? 'a conditional mock needs its own route; not translated (requests are proxied)' : 'bodyFile is read at export time only by Switchyard; not translated');
          break;
        }
        out.directResponse = { status: p.status, ...(p.body !== undefined ? { body: { inline_string: p.body } } : {}) };
        for (const [k, v] of Object.entries(p.headers ?? {})) out.responseHeadersToAdd.push(headerValue(k, v, 'OVERWRITE_IF_EXISTS_OR_ADD'));
        notes.exact(subject, `direct_response ${p.status}`);
        break;
      }
      case 'transform':
        notes.unsupported(subject, 'body, query and path transforms need a Lua or ext_proc filter in Envoy; not translated');
        break;
    }
  }
  const sorted = [...types].sort((a, b) => TYPE_ORDER.indexOf(a) - TYPE_ORDER.indexOf(b));
  if (types.join() !== sorted.join()) {
    notes.approx(`route ${route.name}: policy order`, `Envoy runs filters in chain order (${sorted.join(', ')}), not the route's order (${types.join(', ')})`);
  }
  return out;
}

function headerValue(key: string, value: string, action: string): Json {
  return { header: { key, value }, append_action: action };
}

function headerOps(p: PolicyOf<'headers'>, listener: ListenerPlan, out: RoutePolicyResult): void {
  const apply = (ops: NonNullable<PolicyOf<'headers'>['request']>, add: Json[], remove: string[], ref: 'REQ' | 'RESP') => {
    remove.push(...(ops.remove ?? []));
    for (const [from, to] of Object.entries(ops.rename ?? {})) {
      add.push(headerValue(to, `%${ref}(${from})%`, 'OVERWRITE_IF_EXISTS_OR_ADD'));
      remove.push(from);
    }
    for (const [k, v] of Object.entries(ops.set ?? {})) add.push(headerValue(k, v, 'OVERWRITE_IF_EXISTS_OR_ADD'));
    for (const [k, v] of Object.entries(ops.add ?? {})) add.push(headerValue(k, v, 'APPEND_IF_EXISTS_OR_ADD'));
  };
  if (p.request) apply(p.request, out.requestHeadersToAdd, out.requestHeadersToRemove, 'REQ');
  if (p.response) apply(p.response, out.responseHeadersToAdd, out.responseHeadersToRemove, 'RESP');
  for (const [k, v] of Object.entries(securityHeaders(p, listener.tls !== null))) out.responseHeadersToAdd.push(headerValue(k, v, 'OVERWRITE_IF_EXISTS_OR_ADD'));
}

/** The security-headers preset as plain header values (shared with the other exporters). */
export function securityHeaders(p: PolicyOf<'headers'>, tls: boolean): Record<string, string> {
  const s = p.securityHeaders;
  if (!s) return {};
  const o = s === true ? {} : s;
  const out: Record<string, string> = {};
  if (tls && o.hsts !== false) {
    const h = o.hsts ?? { maxAge: '365d', includeSubDomains: true, preload: false };
    out['strict-transport-security'] = `max-age=${parseDuration(h.maxAge) / 1000}${h.includeSubDomains ? '; includeSubDomains' : ''}${h.preload ? '; preload' : ''}`;
  }
  if (o.contentTypeOptions !== false) out['x-content-type-options'] = 'nosniff';
  if (o.frameOptions !== false) out['x-frame-options'] = o.frameOptions ?? 'DENY';
  if (o.referrerPolicy !== false) out['referrer-policy'] = o.referrerPolicy ?? 'strict-origin-when-cross-origin';
  if (o.csp) out['content-security-policy'] = o.csp;
  return out;
}

function corsPolicy(p: PolicyOf<'cors'>): Json {
  const origin = (o: string) =>
    o === '*' ? { safe_regex: { regex: '.*' } } : o.includes('*') ? { safe_regex: { regex: o.split('*').map(escapeRe).join('[^/]+') } } : { exact: o };
  return {
    '@type': T('envoy.extensions.filters.http.cors.v3.CorsPolicy'),
    allow_origin_string_match: p.origins.map(origin),
    allow_methods: (p.methods ?? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).join(','),
    ...(p.headers ? { allow_headers: p.headers.join(',') } : {}),
    ...(p.exposeHeaders ? { expose_headers: p.exposeHeaders.join(',') } : {}),
    ...(p.maxAge ? { max_age: String(parseDuration(p.maxAge) / 1000) } : {}),
    ...(p.credentials !== undefined ? { allow_credentials: p.credentials } : {}),
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cidrRange(c: string): Json {
  const [address, len] = c.split('/');
  return { address_prefix: address, prefix_len: len !== undefined ? Number(len) : address.includes(':') ? 128 : 32 };
}

function ipPrincipal(p: PolicyOf<'ip-filter'>): Json {
  const key = p.trustedProxies?.length ? 'remote_ip' : 'direct_remote_ip';
  const any = (list: string[]) => ({ or_ids: { ids: list.map((c) => ({ [key]: cidrRange(c) })) } });
  const ids: Json[] = [];
  if (p.allow?.length) ids.push(any(p.allow));
  if (p.deny?.length) ids.push({ not_id: any(p.deny) });
  if (ids.length === 0) return { any: true };
  return ids.length === 1 ? ids[0] : { and_ids: { ids } };
}

function rbac(action: 'ALLOW' | 'DENY', principal: Json): Json {
  return {
    '@type': T('envoy.extensions.filters.http.rbac.v3.RBAC'),
    rules: { action, policies: { switchyard: { permissions: [{ any: true }], principals: [principal] } } },
  };
}

function compressor(algo: 'br' | 'zstd' | 'gzip', p: PolicyOf<'compress'>): Json {
  const lib: Record<string, [string, string, Json]> = {
    gzip: ['gzip', 'envoy.extensions.compression.gzip.compressor.v3.Gzip', p.level ? { compression_level: p.level >= 9 ? 'BEST_COMPRESSION' : p.level <= 1 ? 'BEST_SPEED' : 'DEFAULT_COMPRESSION' } : {}],
    br: ['brotli', 'envoy.extensions.compression.brotli.compressor.v3.Brotli', p.level ? { quality: Math.min(p.level, 11) } : {}],
    zstd: ['zstd', 'envoy.extensions.compression.zstd.compressor.v3.Zstd', p.level ? { compression_level: p.level } : {}],
  };
  const [libName, type, extra] = lib[algo];
  return {
    '@type': T('envoy.extensions.filters.http.compressor.v3.Compressor'),
    response_direction_config: {
      common_config: {
        min_content_length: p.minSize ? parseSize(p.minSize) : 1024,
        ...(p.contentTypes ? { content_type: p.contentTypes.filter((c) => !c.endsWith('/*')) } : {}),
      },
    },
    compressor_library: { name: libName, typed_config: { '@type': T(type), ...extra } },
  };
}

function faultConfig(p: PolicyOf<'fault'>): Json {
  const pct = { numerator: Math.round((p.percentage ?? 100) * 10000), denominator: 'MILLION' };
  const out: Json = { '@type': T('envoy.extensions.filters.http.fault.v3.HTTPFault') };
  if (p.delay !== undefined) {
    const ms = typeof p.delay === 'string' ? parseDuration(p.delay) : (parseDuration(p.delay.min) + parseDuration(p.delay.max)) / 2;
    out.delay = { fixed_delay: protoDuration(ms), percentage: pct };
  }
  if (p.abort) out.abort = { http_status: p.abort.status, percentage: pct };
  if (p.when?.headers) {
    out.headers = Object.entries(p.when.headers).map(([name, c]) =>
      typeof c === 'string'
        ? { name, string_match: { exact: c } }
        : c.regex !== undefined
          ? { name, string_match: { safe_regex: { regex: fullMatchRegex(c.regex) } } }
          : { name, present_match: true, invert_match: c.present === false },
    );
  }
  return out;
}

function jwtConfig(name: string, p: PolicyOf<'jwt'>, set: EnvoyFilterSet, subject: string): Json | null {
  const notes = set.notes;
  const provider: Json = {};
  if (p.issuer !== undefined) {
    if (Array.isArray(p.issuer) && p.issuer.length > 1) notes.approx(subject, `Envoy checks one issuer: ${p.issuer[0]}`);
    provider.issuer = Array.isArray(p.issuer) ? p.issuer[0] : p.issuer;
  }
  if (p.audience !== undefined) provider.audiences = Array.isArray(p.audience) ? p.audience : [p.audience];
  if (p.header && p.header.toLowerCase() !== 'authorization') provider.from_headers = [{ name: p.header, value_prefix: 'Bearer ' }];
  if (p.query) provider.from_params = [p.query];
  if (p.cookie) provider.from_cookies = [p.cookie];
  provider.forward = p.keep ?? true;
  if (p.forwardClaims) provider.claim_to_headers = Object.entries(p.forwardClaims).map(([claim, header]) => ({ claim_name: claim, header_name: header }));
  provider.clock_skew_seconds = p.leeway ? parseDuration(p.leeway) / 1000 : 30;
  if (p.secret !== undefined) {
    const k = set.opts.includeSecrets ? Buffer.from(p.secret).toString('base64url') : secretName(name, 'secret_base64url', 1);
    provider.local_jwks = { inline_string: JSON.stringify({ keys: p.algorithms.filter((a) => a.startsWith('HS')).map((alg) => ({ kty: 'oct', alg, k })) }) };
    if (!set.opts.includeSecrets) notes.approx(subject, 'the HMAC secret is written as a SWITCHYARD_SECRET_…_SECRET_BASE64URL_1 placeholder (the secret, base64url-encoded) in the inline JWKS (export with --include-secrets to write it)');
  } else if (p.publicKey !== undefined) {
    if (!p.publicKey.includes('-----BEGIN')) {
      notes.unsupported(subject, `publicKey ${p.publicKey} is a file; Envoy needs a JWKS. Convert it and set local_jwks; policy left out (the route is unprotected)`);
      return null;
    }
    const jwk = createPublicKey(p.publicKey).export({ format: 'jwk' });
    provider.local_jwks = { inline_string: JSON.stringify({ keys: [jwk] }) };
  } else if (p.jwksUrl !== undefined) {
    const u = new URL(p.jwksUrl);
    const cluster = `jwks_${name}`;
    const tls = u.protocol === 'https:';
    set.extraClusters.set(cluster, {
      name: cluster,
      type: 'STRICT_DNS',
      connect_timeout: '5s',
      load_assignment: { cluster_name: cluster, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: u.hostname, port_value: Number(u.port || (tls ? 443 : 80)) } } } }] }] },
      ...(tls ? { transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': T('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'), sni: u.hostname } } } : {}),
    });
    provider.remote_jwks = {
      http_uri: { uri: p.jwksUrl, cluster, timeout: '5s' },
      cache_duration: protoDuration(p.jwksCacheTtl ? parseDuration(p.jwksCacheTtl) : 600_000),
    };
  }
  if (p.requireExp === false) provider.require_expiration = false;
  else provider.require_expiration = true;
  const claims = [p.consumerClaim && 'consumerClaim', p.planClaim && 'planClaim'].filter(Boolean).join(' and ');
  notes.approx(subject, `jwt_authn provider${claims ? `; ${claims} ${p.consumerClaim && p.planClaim ? 'are' : 'is'} not passed to rate limits` : ''}; failures answer 401 with Envoy's own body`);
  return {
    '@type': T('envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication'),
    providers: { [name]: provider },
    rules: [{ match: { prefix: '/' }, requires: { provider_name: name } }],
  };
}
