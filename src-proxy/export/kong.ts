/**
 * Kong exporter: decK declarative config (`_format_version: "3.0"`):
 * services with nested routes, upstreams with targets and health checks,
 * route plugins, and consumers whose credentials are decK environment
 * references unless secrets are included.
 */
import { stringify } from 'yaml';
import type { Plan, RoutePlan, UpstreamPlan } from '../config/plan.js';
import { assertExportable } from './shared/export-guard.js';
import type { Exporter, ExportOptions } from './exporter.js';
import { kongPlugins, type KongConsumers } from './kong-plugins.js';
import { escapeRegex } from './path-rewrite.js';
import { reportComment } from './report.js';
import { noteUncappedEjection } from './shared/ejection-cap.js';
import { escapeDeckTemplates } from './shared/go-template.js';
import { defaultKeepAlive, defaultLimits, defaultTimeouts, groupIndex, mayOverlap, NoteLog, regexSource, reverseListeners, targetAddress, usedUpstreams } from './translate.js';

type Json = Record<string, unknown>;

const KONG_GENERAL = [
  'no-route, bad-gateway and timeout answers are Kong\'s own JSON ({"message": …}), not RFC 9457',
  'Kong sets X-Forwarded-* and X-Real-IP; the RFC 7239 Forwarded header and X-Request-Id are not set (the correlation-id plugin can add one)',
  'read_timeout limits the time between two reads, not the time to the response headers',
  'listener limits are nginx settings in kong.conf',
];

export const exportKong: Exporter = (plan: Plan, opts: ExportOptions) => {
  assertExportable(plan, 'kong');
  const notes = new NoteLog();
  const listeners = reverseListeners(plan, notes, 'Kong');
  for (const l of listeners) {
    if (!defaultLimits(l)) notes.unsupported(`listener ${l.name}: limits`, 'request limits are nginx settings in kong.conf (nginx_http_client_max_body_size, …); not exported');
    notes.exact(`listener ${l.name}`, `Kong listens where kong.conf says: add ${l.host}:${l.port}${l.tls ? ' ssl' : ''}${l.http2 ? ' http2' : ''} to proxy_listen`);
    if (l.tls) notes.unsupported(`listener ${l.name}: TLS`, 'certificates are Kong certificate/SNI entities holding the PEM data; not exported (create them with deck or the Admin API)');
    if (l.redirectTo) notes.approx(`listener ${l.name}: redirectTo`, 'routes get protocols [https] and https_redirect_status_code 308 instead');
  }
  const exported = plan.routes.filter((r) => listeners.some((l) => r.listeners === null || r.listeners.has(l.name)));
  const consumers: KongConsumers = new Map();
  const services: Json[] = [];
  const looseRoutes: Json[] = [];
  const byUpstream = new Map<string, Json[]>();
  exported.forEach((r, i) => {
    const rewritePlugins: Json[] = [];
    const route = kongRoute(plan, r, exported.length - i, notes, rewritePlugins);
    if (!route) return;
    const plugins = kongPlugins(plan, r, consumers, notes, opts);
    plugins.list.unshift(...rewritePlugins);
    if (plugins.terminate) plugins.list.push(plugins.terminate);
    if (plugins.list.length) route.plugins = plugins.list;
    const a = r.action;
    if (a.kind === 'proxy' && !plugins.terminate) {
      const list = byUpstream.get(a.upstream) ?? [];
      list.push(route);
      byUpstream.set(a.upstream, list);
    } else looseRoutes.push(route);
  });
  if (plan.listeners.some((l) => l.redirectTo)) {
    for (const route of [...looseRoutes, ...[...byUpstream.values()].flat()]) {
      route.protocols = ['https'];
      route.https_redirect_status_code = 308;
    }
  }
  const upstreams: Json[] = [];
  for (const u of usedUpstreams(plan, exported)) {
    services.push({ ...kongService(u, notes), routes: byUpstream.get(u.name) ?? [] });
    upstreams.push(kongUpstream(u, notes));
  }
  const overlapping = exported.flatMap((a, i) => exported.slice(i + 1).filter((b) => mayOverlap(a, b)).map((b) => `${a.name}/${b.name}`));
  if (overlapping.length) notes.approx('route order', `Kong orders routes by its own rules (hosts, headers and methods before paths, then regex_priority, then path length); regex_priority carries Switchyard's order; routes one request could match both of: ${overlapping.join(', ')}`);
  const config: Json = { _format_version: '3.0', services };
  if (looseRoutes.length) config.routes = looseRoutes;
  if (upstreams.length) config.upstreams = upstreams;
  if (consumers.size) config.consumers = [...consumers.values()];
  const text = escapeDeckTemplates(reportComment(notes.notes, '#', 'kong', KONG_GENERAL) + stringify(config, { lineWidth: 0, aliasDuplicateObjects: false }));
  return { target: 'kong', fileName: 'kong.yaml', text, notes: notes.notes };
};

/**
 * A prefix rewrite as a Kong regex path with a named capture of what follows
 * the rewritten prefix, and the request-transformer URI built from it.
 */
function prefixRewrite(r: RoutePlan): { path: string; uri: string } | null {
  const rw = r.rewrite;
  const m = r.match;
  if (rw?.regex && !rw.stripPrefix && !rw.replacePrefix && m.pathRegex) {
    // The route's own regex captures feed the template; only a whole-path pattern replaces the whole path.
    const src = regexSource(rw.regex.pattern);
    if (src !== regexSource(m.pathRegex) || !src.startsWith('^') || !src.endsWith('$')) return null;
    let ok = true;
    const uri = rw.regex.replacement.replace(/\$(\d+)|\$<([A-Za-z_][A-Za-z0-9_]*)>/g, (_, n: string | undefined, name: string | undefined) => {
      if (name !== undefined && groupIndex(src, name) === null) ok = false;
      return n !== undefined ? `$(uri_captures[${n}])` : `$(uri_captures.${name})`;
    });
    return ok ? { path: `~${src.slice(1)}`, uri } : null;
  }
  if (!rw || rw.regex || (rw.stripPrefix && rw.replacePrefix) || m.path === null || m.exact) return null;
  const from = rw.stripPrefix ?? rw.replacePrefix?.from ?? '';
  const to = rw.stripPrefix !== null ? '' : (rw.replacePrefix?.to ?? '');
  if (!m.path.startsWith(from) || from.endsWith('/') || m.path.endsWith('/')) return null;
  // `rest` always takes part in the match (possibly empty), so the template never sees nil.
  const rest = m.path.slice(from.length);
  const path = `~${escapeRegex(from)}(?<rest>${escapeRegex(rest)}(?:/.*)?)$`;
  const base = to.endsWith('/') ? to.slice(0, -1) : to;
  // Kong sends "/" when the template yields an empty path.
  return { path, uri: `${base}$(uri_captures.rest)` };
}

function kongRoute(plan: Plan, r: RoutePlan, priority: number, notes: NoteLog, plugins: Json[]): Json | null {
  const subject = `route ${r.name}`;
  const m = r.match;
  const route: Json = { name: r.name };
  if (m.hosts !== null) {
    route.hosts = [...m.hosts, ...m.hostSuffixes.map((s) => '*' + s)];
    if (m.hostSuffixes.length) notes.approx(`${subject}: host`, 'Kong\'s leading wildcard matches one label (a.example.test), Switchyard\'s any number (a.b.example.test)');
  }
  if (m.path !== null) {
    const p = escapeRegex(m.path);
    if (m.exact) route.paths = [`~${p}$`];
    else if (m.path === '/' || m.path.endsWith('/')) route.paths = [m.path];
    else route.paths = [`~${p}$`, `${m.path}/`];
  } else if (m.pathRegex !== null) {
    const src = regexSource(m.pathRegex);
    route.paths = [`~${src.startsWith('^') ? src.slice(1) : `.*${src}`}`];
  }
  if (m.methods) route.methods = [...m.methods];
  if (m.headers.length) {
    const headers: Record<string, string[]> = {};
    for (const [name, , c] of m.headers) {
      if ('present' in c && !c.present) {
        notes.unsupported(subject, `header condition "${name} absent" has no Kong equivalent; route left out`);
        return null;
      }
      // Kong reads a value starting with "~*" as a regex: such an exact value is written as an anchored, escaped regex.
      const exact = (v: string) => (v.startsWith('~*') ? `~*^${escapeRegex(v)}$` : v);
      headers[name] = 'equals' in c ? [exact(c.equals)] : 'regex' in c ? [`~*${c.regex}`] : ['~*.*'];
    }
    route.headers = headers;
    notes.approx(`${subject}: headers`, 'Kong compares header values case-insensitively');
  }
  if (m.query.length) {
    notes.unsupported(subject, 'Kong routes cannot match query parameters; route left out');
    return null;
  }
  route.regex_priority = priority;
  route.strip_path = false;
  const a = r.action;
  if (a.kind === 'proxy') {
    const u = plan.upstreams.get(a.upstream);
    route.preserve_host = u?.hostHeader === 'preserve' || (r.rewrite?.host ?? null) !== null;
    const rw = r.rewrite;
    if (rw?.stripPrefix && rw.stripPrefix === m.path && !rw.replacePrefix && !rw.regex) {
      route.strip_path = true;
      notes.exact(`${subject}: rewrite`, `strip_path removes ${rw.stripPrefix}`);
    } else if (rw && (rw.stripPrefix || rw.replacePrefix || rw.regex)) {
      const uri = prefixRewrite(r);
      if (!uri) {
        notes.unsupported(subject, 'Kong rewrites through the captures of the route\'s regex path: this rewrite needs a path-prefix match starting with the rewritten prefix, or a regex rewrite whose pattern is the route\'s whole-path pathRegex; route left out');
        return null;
      }
      route.paths = [uri.path];
      plugins.push({ name: 'request-transformer', config: { replace: { uri: uri.uri } } });
      notes.exact(`${subject}: rewrite`, `regex path ${uri.path} and request-transformer replace.uri ${uri.uri}`);
    }
  }
  notes.exact(subject, `route with ${[route.hosts ? 'hosts' : '', route.paths ? 'paths' : '', route.methods ? 'methods' : '', route.headers ? 'headers' : ''].filter(Boolean).join(', ') || 'no conditions'}`);
  return route;
}

function kongService(u: UpstreamPlan, notes: NoteLog): Json {
  const tls = u.targets.some((t) => t.url.startsWith('https:'));
  const svc: Json = {
    name: u.name,
    host: u.name,
    port: targetAddress(u.targets[0].url).port,
    protocol: tls ? 'https' : 'http',
    connect_timeout: u.timeouts.connectMs,
    read_timeout: u.timeouts.responseMs,
    write_timeout: u.timeouts.responseMs,
    retries: u.retry?.attempts ?? 0,
  };
  if (!defaultTimeouts(u)) notes.approx(`upstream ${u.name}: timeouts`, `connect_timeout ${u.timeouts.connectMs}ms; read_timeout ${u.timeouts.responseMs}ms applies between two reads (Switchyard: to the response headers, idle ${u.timeouts.idleMs}ms inside the body)`);
  if (u.retry) {
    const statuses = [...u.retry.on].filter((x) => typeof x === 'number');
    notes.approx(`upstream ${u.name}: retry`, `retries ${u.retry.attempts}: Kong retries connection errors and timeouts${statuses.length ? `, not status ${statuses.join(', ')}` : ''}; no retry budget`);
  } else {
    notes.exact(`upstream ${u.name}: retry`, 'retries 0 (Switchyard retries nothing without a retry block)');
  }
  if (tls) {
    svc.tls_verify = !u.tls?.insecure;
    if (u.tls?.ca.length || u.tls?.cert) notes.unsupported(`upstream ${u.name}: TLS`, 'CA and client certificates are Kong certificate entities referenced by id; not exported');
    else notes.exact(`upstream ${u.name}: TLS`, `tls_verify ${!u.tls?.insecure}`);
  }
  return svc;
}

const HASH_KIND: Record<string, string> = { header: 'header', cookie: 'cookie', query: 'query_arg' };

function kongUpstream(u: UpstreamPlan, notes: NoteLog): Json {
  const subject = `upstream ${u.name}`;
  const up: Json = { name: u.name };
  const backups = u.targets.filter((t) => t.backup);
  if (backups.length) notes.unsupported(`${subject}: backup targets`, `Kong has no backup targets; ${backups.map((t) => t.url).join(', ')} left out`);
  up.targets = u.targets.filter((t) => !t.backup).map((t) => {
    const a = targetAddress(t.url);
    return { target: `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`, weight: u.balancer === 'round-robin' ? 100 : t.weight };
  });
  const hashOn = (on: string) => {
    if (on === 'ip') return { hash_on: 'ip' };
    const i = on.indexOf(':');
    const kind = HASH_KIND[on.slice(0, i)];
    return { hash_on: kind, [`hash_on_${kind}`]: on.slice(i + 1), ...(kind === 'cookie' ? { hash_on_cookie_path: '/' } : {}) };
  };
  if (u.sticky) {
    Object.assign(up, { algorithm: 'consistent-hashing', hash_on: 'cookie', hash_on_cookie: u.sticky.cookie, hash_on_cookie_path: '/' });
    notes.approx(`${subject}: sticky cookie`, `consistent-hashing on cookie ${u.sticky.cookie} (Kong sets it when absent); the first pick follows the hash, not ${u.balancer}`);
  } else {
    switch (u.balancer) {
      case 'round-robin':
      case 'weighted-round-robin':
        up.algorithm = 'round-robin';
        notes.exact(`${subject}: balancer ${u.balancer}`, 'round-robin with target weights');
        break;
      case 'least-connections':
        up.algorithm = 'least-connections';
        notes.exact(`${subject}: balancer ${u.balancer}`, 'least-connections');
        break;
      case 'p2c':
      case 'random':
        up.algorithm = 'least-connections';
        notes.approx(`${subject}: balancer ${u.balancer}`, 'least-connections (Kong has no power-of-two or random balancer)');
        break;
      case 'ip-hash':
      case 'consistent-hash':
        Object.assign(up, { algorithm: 'consistent-hashing', ...hashOn(u.hashOn ?? 'ip') });
        notes.approx(`${subject}: balancer ${u.balancer}`, `consistent-hashing on ${u.hashOn ?? 'ip'}: a key keeps its target, but which target differs`);
        break;
    }
  }
  if (typeof u.hostHeader === 'object') {
    up.host_header = u.hostHeader.fixed;
    notes.exact(`${subject}: host header`, `host_header ${u.hostHeader.fixed}`);
  }
  const hc = u.healthCheck;
  const healthchecks: Json = {};
  if (hc) {
    const statuses = hc.expectStatus.flatMap(([lo, hi]) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i));
    healthchecks.active = {
      type: u.targets.some((t) => t.url.startsWith('https:')) ? 'https' : 'http',
      http_path: hc.path,
      timeout: hc.timeoutMs / 1000,
      ...(hc.host ? { headers: { host: [hc.host] } } : {}),
      healthy: { interval: hc.intervalMs / 1000, successes: hc.healthyAfter, http_statuses: statuses },
      unhealthy: { interval: hc.intervalMs / 1000, http_failures: hc.unhealthyAfter, tcp_failures: hc.unhealthyAfter, timeouts: hc.unhealthyAfter },
    };
    notes.approx(`${subject}: health check`, `active check of ${hc.path}: healthy on ${hc.expectStatus.map(([a, b]) => (a === b ? a : `${a}-${b}`)).join(',')}; unhealthy on Kong's default failure statuses (429, 404, 5xx), not every other status`);
  }
  if (u.outlier) {
    healthchecks.passive = { unhealthy: { http_failures: u.outlier.consecutiveFailures, tcp_failures: u.outlier.consecutiveFailures, timeouts: u.outlier.consecutiveFailures } };
    notes.approx(`${subject}: outlier detection`, `passive checks mark a target down after ${u.outlier.consecutiveFailures} failures; Kong has no ejection time, only an active check${hc ? '' : ' (none here)'} brings it back`);
    noteUncappedEjection(u, subject, 'Kong', notes);
  }
  if (Object.keys(healthchecks).length) up.healthchecks = healthchecks;
  if (u.slowStartMs) notes.unsupported(`${subject}: slow start`, 'no Kong equivalent');
  if (!defaultKeepAlive(u)) notes.unsupported(`${subject}: keep-alive`, 'upstream keep-alive pools are kong.conf settings (upstream_keepalive_*); not exported');
  if (u.http2) notes.unsupported(`${subject}: http2`, 'Kong speaks HTTP/1.1 to http/https services; not exported');
  return up;
}
