/**
 * Compiles a schema-valid workspace into an immutable Plan and checks what the
 * schema cannot: names that must be unique, references that must resolve,
 * regexes that must compile, URLs that must be usable.
 */
import { isIPv6 } from 'node:net';
import type {
  ListenerPlan,
  OriginTimeoutsPlan,
  Plan,
  RouteAction,
  RouteMatchPlan,
  RewritePlan,
  RoutePlan,
  UpstreamPlan,
  ValueCondition,
  ValueMatcher,
} from './plan.js';
import type { ListenerConfig, RouteConfig, Workspace } from './schema.js';
import { addressesClash, badIpv4 } from './listen-address.js';
import { catastrophicRepetition } from './regex-safety.js';
import { checkCaptureRefs, checkMatchPath, hostPattern } from './route-match-checks.js';
import { checkPositive, checkTimer, type Report } from './compile-checks.js';
import { checkReferences } from './reference-checks.js';
import { compileUpstream } from './compile-upstream.js';
import { parseDuration, parseSize } from './units.js';
import { sortRoutes } from '../router/route-order.js';
import { decodeUnreserved } from '../router/path-normal-form.js';
import type { PolicyFactory } from '../policies/policy.js';
import { POLICY_FACTORIES } from '../policies/registry.js';

export interface CompileIssue {
  path: (string | number)[];
  message: string;
  severity: 'error' | 'warning';
  /** Point at the key rather than its value. */
  key?: boolean;
}

/** Headers whose values capture masks unless the workspace keeps secrets. */
export const SECRET_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];


/** Policy types that refuse requests without credentials. */
const AUTH_TYPES: ReadonlySet<string> = new Set(['api-key', 'jwt', 'basic-auth']);

/** `references: false` when they were checked on the raw tree already (see salvage.ts). */
export function compileWorkspace(ws: Workspace, { references = true } = {}): { plan: Plan; issues: CompileIssue[] } {
  const issues: CompileIssue[] = [];
  const error = (path: (string | number)[], message: string, key = false) => issues.push({ path, message, severity: 'error', key });
  const warn = (path: (string | number)[], message: string) => issues.push({ path, message, severity: 'warning' });

  // Duplicate names and references to listeners, policies and upstreams that do not exist.
  if (references) checkReferences(ws, error);
  const listeners = ws.listeners.map((l, i) => compileListener(l, ['listeners', i], error));
  listeners.forEach((l, i) => {
    const j = listeners.findIndex((other, k) => k < i && addressesClash(other, l));
    if (j === -1) return;
    const a = ws.listeners[i]!.address;
    const b = ws.listeners[j]!.address;
    error(['listeners', i, 'address'], a === b ? `address ${a} is already used by another listener` : `address ${a} takes the same port as listener "${listeners[j]!.name}" (${b})`);
  });
  const listenerByName = new Map(listeners.map((l) => [l.name, l]));
  ws.listeners.forEach((l, i) => {
    if (l.redirectTo !== undefined) {
      const target = listenerByName.get(l.redirectTo);
      if (target && !target.tls) error(['listeners', i, 'redirectTo'], `redirectTo must name a TLS listener; "${l.redirectTo}" has no tls`);
    }
    for (const key of ['intercept', 'allowClients', 'connectPorts', 'proxyAuth', 'parentProxy', 'originTimeouts'] as const) {
      if (l[key] !== undefined && l.mode !== 'forward') warn(['listeners', i, key], `${key} only applies to forward listeners`);
    }
    if (l.mergeSlashes !== undefined && l.mode === 'forward') warn(['listeners', i, 'mergeSlashes'], 'mergeSlashes only applies to reverse listeners (a forward proxy passes paths on as sent)');
    if (l.mode === 'forward' && l.tls) error(['listeners', i, 'tls'], 'forward listeners take plain HTTP proxy requests; remove tls (HTTPS goes through CONNECT)');
    if (l.parentProxy !== undefined && !/^http:\/\/([^@/]+@)?[^/:@]+(:\d{1,5})?\/?$/.test(l.parentProxy)) {
      error(['listeners', i, 'parentProxy'], `"${l.parentProxy}" is not an http://[user:pass@]host:port proxy URL`);
    }
    if (l.http2 && !l.tls) warn(['listeners', i, 'http2'], 'http2 is offered through TLS ALPN; this listener has no tls');
  });

  const upstreams = new Map<string, UpstreamPlan>();
  for (const [name, u] of Object.entries(ws.upstreams)) {
    upstreams.set(name, compileUpstream(name, u, ['upstreams', name], error, warn));
  }

  for (const [name, p] of Object.entries(ws.policies)) {
    checkPolicyRegexes(p, ['policies', name], error);
    if (p.type === 'fault' && p.delay !== undefined) {
      if (typeof p.delay === 'string') checkTimer(p.delay, ['policies', name, 'delay'], error);
      else for (const end of ['min', 'max'] as const) checkTimer(p.delay[end], ['policies', name, 'delay', end], error);
    }
    const factory = POLICY_FACTORIES[p.type] as PolicyFactory<typeof p.type> | undefined;
    if (!factory) warn(['policies', name, 'type'], `policy type "${p.type}" is accepted but not enforced by this version of the engine`);
    else factory.check?.(p, (path, message, severity = 'error') => issues.push({ path: ['policies', name, ...path], message, severity }));
  }

  const usedUpstreams = new Set<string>();
  const routes = ws.routes.map((r, i) => {
    const path = ['routes', i];
    let auth: string | null = null;
    r.policies?.forEach((p, j) => {
      const type = ws.policies[p]?.type;
      if (type === undefined) return;
      if (AUTH_TYPES.has(type)) auth ??= p;
      // Browsers send preflights without credentials: an auth policy before cors refuses every one of them.
      else if (type === 'cors' && auth !== null) {
        warn([...path, 'policies', j], `cors "${p}" comes after "${auth}", which will refuse CORS preflights (they carry no credentials); list cors first`);
      }
    });
    if (r.upstream !== undefined) usedUpstreams.add(r.upstream);
    if (r.match.path?.includes('//')) {
      const merging = listeners.filter((l) => l.mode === 'reverse' && l.mergeSlashes && (r.listeners === undefined || r.listeners.includes(l.name)));
      if (merging.length > 0) {
        warn([...path, 'match', 'path'], `"${r.match.path}" has repeated slashes, which listener "${merging[0]!.name}" merges in requests: the route cannot match there (set mergeSlashes: false on it)`);
      }
    }
    return compileRoute(r, i, path, error);
  });
  for (const name of upstreams.keys()) {
    if (!usedUpstreams.has(name)) warn(['upstreams', name], `upstream "${name}" is not used by any route`);
  }

  const plan: Plan = Object.freeze({
    listeners: Object.freeze(listeners),
    routes: Object.freeze(sortRoutes(routes)),
    upstreams,
    policies: new Map(Object.entries(ws.policies)),
    capture: Object.freeze({
      enabled: ws.capture.enabled,
      maxBodySize: parseSize(ws.capture.maxBodySize),
      keepSecrets: ws.capture.keepSecrets,
      secretHeaders: new Set([
        ...SECRET_HEADERS,
        ...ws.capture.maskHeaders.map((h) => h.toLowerCase()),
        ...Object.values(ws.policies).flatMap((p) => (p.type === 'api-key' ? [(p.header ?? 'x-api-key').toLowerCase()] : [])),
        ...Object.values(ws.policies).flatMap((p) => (p.type === 'jwt' && p.header ? [p.header.toLowerCase()] : [])),
      ]),
      secretQueryParams: new Set(Object.values(ws.policies).flatMap((p) => ((p.type === 'api-key' || p.type === 'jwt') && p.query ? [p.query] : []))),
    }),
    history: Object.freeze({
      enabled: ws.history.enabled,
      maxRows: ws.history.maxRows,
      maxBytes: parseSize(ws.history.maxSize),
      maxAgeMs: parseDuration(ws.history.maxAge),
    }),
    warnings: Object.freeze(issues.filter((i) => i.severity === 'warning').map((i) => i.message)),
  });
  return { plan, issues };
}


function compileListener(l: ListenerConfig, path: (string | number)[], error: Report): ListenerPlan {
  const sep = l.address.lastIndexOf(':');
  let host = l.address.slice(0, sep);
  if (host.startsWith('[')) host = host.slice(1, -1);
  const port = Number(l.address.slice(sep + 1));
  if (port > 65535) error([...path, 'address'], `port ${port} is out of range (0-65535)`);
  if (l.address.startsWith('[') && !isIPv6(host)) error([...path, 'address'], `"${host}" is not an IPv6 address`);
  else if (badIpv4(host)) error([...path, 'address'], `"${host}" is not an IPv4 address`);
  const lim = l.limits ?? {};
  for (const key of ['headersTimeout', 'keepAliveTimeout'] as const) {
    checkTimer(lim[key], [...path, 'limits', key], error);
    // node reads 0 as "no limit" (for keepAliveTimeout the opposite of nginx's keepalive_timeout 0).
    checkPositive(lim[key], [...path, 'limits', key], error, 'node would read 0 as no limit at all');
  }
  return Object.freeze({
    name: l.name,
    host,
    port,
    mode: l.mode,
    tls: l.tls
      ? Object.freeze({
          certificates:
            l.tls.certificates === 'local-ca'
              ? ('local-ca' as const)
              : Object.freeze(l.tls.certificates.map((c) => Object.freeze({ cert: c.cert, key: c.key, hosts: c.hosts ?? null }))),
          minVersion: l.tls.minVersion,
        })
      : null,
    http2: l.http2 ?? false,
    redirectTo: l.redirectTo ?? null,
    mergeSlashes: l.mergeSlashes ?? true,
    intercept: Object.freeze(l.intercept ?? []),
    allowClients: Object.freeze(l.allowClients ?? ['127.0.0.0/8', '::1/128']),
    connectPorts: Object.freeze(l.connectPorts ?? [443]),
    proxyAuth: l.proxyAuth ? Object.freeze({ realm: l.proxyAuth.realm ?? 'Switchyard', users: { ...l.proxyAuth.users } }) : null,
    parentProxy: l.parentProxy ?? null,
    originTimeouts: compileOriginTimeouts(l.originTimeouts, [...path, 'originTimeouts'], error),
    limits: Object.freeze({
      maxUrlLength: lim.maxUrlLength ? parseSize(lim.maxUrlLength) : 8 * 1024,
      maxHeaderSize: lim.maxHeaderSize ? parseSize(lim.maxHeaderSize) : 32 * 1024,
      maxBodySize: lim.maxBodySize ? parseSize(lim.maxBodySize) : null,
      headersTimeoutMs: lim.headersTimeout ? parseDuration(lim.headersTimeout) : 30_000,
      keepAliveTimeoutMs: lim.keepAliveTimeout ? parseDuration(lim.keepAliveTimeout) : 5_000,
    }),
  });
}

/** Defaults: today's fixed values (undici's 10 s connect, 300 s headers and body). */
function compileOriginTimeouts(t: ListenerConfig['originTimeouts'], path: (string | number)[], error: Report): OriginTimeoutsPlan {
  const given = t ?? { connect: '10s', response: '5m', idle: '5m' };
  for (const key of ['connect', 'response', 'idle'] as const) {
    checkTimer(given[key], [...path, key], error);
    // undici reads 0 as "no timeout"; the upgrade path would time out at once: neither is meant.
    checkPositive(given[key], [...path, key], error, 'undici would read 0 as no limit at all');
  }
  return Object.freeze({ connectMs: parseDuration(given.connect), responseMs: parseDuration(given.response), idleMs: parseDuration(given.idle) });
}

function compileRegex(source: string, path: (string | number)[], error: Report): RegExp | null {
  const redos = catastrophicRepetition(source);
  if (redos !== null) {
    error(path, `regular expression "${source}" is refused: ${redos} (write it without the nested repetition, e.g. (a+)+ as a+)`);
    return null;
  }
  try {
    return new RegExp(source);
  } catch (e) {
    // V8 says "Invalid regular expression: /src/flags: reason"; keep the reason.
    const reason = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    error(path, `invalid regular expression "${source}": ${reason}`);
    return null;
  }
}

function compileValueMatchers(
  conditions: Record<string, string | { regex?: string; present?: boolean }> | undefined,
  path: (string | number)[],
  error: Report,
  lowerNames: boolean,
): (readonly [string, ValueMatcher, ValueCondition])[] {
  return Object.entries(conditions ?? {}).map(([name, cond]) => {
    const key = lowerNames ? name.toLowerCase() : name;
    if (typeof cond === 'string') return [key, (v: string | undefined) => v === cond, { equals: cond }] as const;
    if (cond.regex !== undefined) {
      const re = compileRegex(cond.regex, [...path, name, 'regex'], error);
      return [key, (v: string | undefined) => v !== undefined && re !== null && re.test(v), { regex: cond.regex }] as const;
    }
    const present = cond.present ?? true;
    return [key, (v: string | undefined) => (v !== undefined) === present, { present }] as const;
  });
}

function compileRoute(r: RouteConfig, index: number, path: (string | number)[], error: Report): RoutePlan {
  const m = r.match;
  const hostsIn = m.host === undefined ? [] : Array.isArray(m.host) ? m.host : [m.host];
  const hosts = new Set<string>();
  const hostSuffixes: string[] = [];
  hostsIn.forEach((raw, i) => {
    const h = hostPattern(raw, [...path, 'match', 'host', ...(Array.isArray(m.host) ? [i] : [])], error);
    if (h === null) return;
    if (h.startsWith('*.')) hostSuffixes.push(h.slice(1));
    else hosts.add(h);
  });
  if (m.path !== undefined) checkMatchPath(m.path, [...path, 'match', 'path'], error);
  if (m.exact && m.path === undefined) error([...path, 'match', 'exact'], '`exact` needs a `path` to match exactly');
  if (m.path !== undefined && m.pathRegex !== undefined) error([...path, 'match', 'pathRegex'], 'use either `path` or `pathRegex`, not both');
  const match: RouteMatchPlan = Object.freeze({
    hosts: hostsIn.length === 0 ? null : hosts,
    hostSuffixes,
    // In the normal form request paths are matched in (`/caf%c3%a9` is `/caf%C3%A9`, `/%7Eann` is `/~ann`).
    path: m.path === undefined ? null : decodeUnreserved(m.path),
    exact: m.exact ?? false,
    pathRegex: m.pathRegex === undefined ? null : compileRegex(m.pathRegex, [...path, 'match', 'pathRegex'], error),
    methods: m.methods ? new Set(m.methods) : null,
    headers: compileValueMatchers(m.headers, [...path, 'match', 'headers'], error, true),
    query: compileValueMatchers(m.query, [...path, 'match', 'query'], error, false),
  });

  const actions = (['upstream', 'respond', 'redirect'] as const).filter((k) => r[k] !== undefined);
  if (actions.length !== 1) {
    error(
      actions.length === 0 ? [...path, 'name'] : [...path, actions[1]],
      actions.length === 0
        ? `route "${r.name}" needs one of upstream, respond or redirect`
        : `route "${r.name}" has ${actions.join(' and ')}; give exactly one`,
    );
  }
  let action: RouteAction;
  if (r.respond) {
    action = { kind: 'respond', status: r.respond.status, body: Buffer.from(r.respond.body ?? ''), headers: { ...(r.respond.headers ?? {}) } };
  } else if (r.redirect) {
    action = { kind: 'redirect', to: r.redirect.to, status: r.redirect.status };
    checkCaptureRefs(r.redirect.to, match.pathRegex, 'match.pathRegex', [...path, 'redirect', 'to'], error);
  } else {
    action = { kind: 'proxy', upstream: r.upstream ?? '' };
  }

  let rewrite: RewritePlan | null = null;
  if (r.rewrite) {
    if (action.kind !== 'proxy') error([...path, 'rewrite'], '`rewrite` only applies to routes with an upstream');
    const rw = r.rewrite;
    if (rw.stripPrefix && m.path && !isPrefixOf(rw.stripPrefix, m.path)) {
      error([...path, 'rewrite', 'stripPrefix'], `stripPrefix "${rw.stripPrefix}" is not a prefix of the matched path "${m.path}"`);
    }
    rewrite = Object.freeze({
      stripPrefix: rw.stripPrefix ?? null,
      replacePrefix: rw.replacePrefix ?? null,
      regex: rw.regex
        ? (() => {
            const re = compileRegex(rw.regex.pattern, [...path, 'rewrite', 'regex', 'pattern'], error);
            // `$$` is a literal dollar in a replacement.
            if (re) checkCaptureRefs(rw.regex.replacement.replaceAll('$$', ''), re, 'rewrite.regex.pattern', [...path, 'rewrite', 'regex', 'replacement'], error);
            return re ? { pattern: re, replacement: rw.regex.replacement } : null;
          })()
        : null,
      host: rw.host ?? null,
    });
  }

  return Object.freeze({
    name: r.name,
    index,
    priority: r.priority ?? 0,
    listeners: r.listeners ? new Set(r.listeners) : null,
    match,
    rewrite,
    policies: Object.freeze([...(r.policies ?? [])]),
    action,
  });
}

function isPrefixOf(prefix: string, path: string): boolean {
  const p = prefix.endsWith('/') && prefix.length > 1 ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(p.endsWith('/') ? p : p + '/') || p === '/';
}

/** Patterns inside policies (`when` conditions, transform paths) run on client input too: the same ReDoS check. */
function checkPolicyRegexes(value: unknown, path: (string | number)[], error: Report): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    if ((key === 'regex' || key === 'pattern') && typeof v === 'string') {
      const redos = catastrophicRepetition(v);
      if (redos !== null) error([...path, key], `regular expression "${v}" is refused: ${redos}`);
    } else {
      checkPolicyRegexes(v, [...path, Array.isArray(value) ? Number(key) : key], error);
    }
  }
}
