/**
 * Kubernetes Gateway API exporter: a Gateway, one HTTPRoute per route
 * (gateway.networking.k8s.io/v1, standard channel), a Service per target
 * (ExternalName for host names, selector-less Service + EndpointSlice for
 * addresses), and a networking.k8s.io/v1 Ingress when that suffices.
 */
import { isIP } from 'node:net';
import { stringify } from 'yaml';
import type { ListenerPlan, Plan, RoutePlan, UpstreamPlan, ValueCondition } from '../config/plan.js';
import { gatewayFilters } from './gateway-api-filters.js';
import { assertExportable } from './shared/export-guard.js';
import type { Exporter, ExportOptions } from './exporter.js';
import { reportComment } from './report.js';
import { defaultKeepAlive, defaultLimits, defaultTimeouts, goDuration, hostPatterns, hostPatternsOf, mayOverlap, routeCoversHost, NoteLog, regexSource, reverseListeners, targetAddress, usedUpstreams } from './translate.js';

type Json = Record<string, unknown>;

const GATEWAY = 'switchyard';

const GATEWAY_GENERAL = [
  'error answers, forwarding headers and connection handling are the implementation\'s (not RFC 9457 JSON)',
  'timeouts.backendRequest bounds the whole backend request (Switchyard: time to the response headers, then an idle limit inside the body)',
  'policies (auth, rate limits, CORS, caching, compression, IP rules) are implementation-specific resources, not part of the standard channel',
];

/** A DNS-1123 name for Kubernetes objects. */
export function k8sName(...parts: string[]): string {
  return (
    parts
      .join('-')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63)
      .replace(/-+$/, '') || 'route'
  );
}

/** Service name for one target of an upstream. */
export const serviceName = (u: UpstreamPlan, i: number) => k8sName(u.name, String(i + 1));

export const exportGatewayApi: Exporter = (plan: Plan, opts: ExportOptions) => {
  assertExportable(plan, 'gateway-api');
  void opts; // The Gateway API carries no secrets: certificates are Secret references.
  const notes = new NoteLog();
  const listeners = reverseListeners(plan, notes, 'Gateway API');
  const docs: Json[] = [gateway(listeners, notes)];
  const exported = plan.routes.filter((r) => listeners.some((l) => r.listeners === null || r.listeners.has(l.name)));
  const routes: Json[] = [];
  for (const r of exported) {
    const doc = httpRoute(plan, r, listeners, notes);
    if (doc) routes.push(doc);
  }
  for (const l of listeners.filter((x) => x.redirectTo)) routes.unshift(redirectRoute(l, plan, notes));
  uniqueNames(routes, notes);
  docs.push(...routes);
  checkPrecedence(exported, notes);
  const upstreams = usedUpstreams(plan, exported);
  for (const u of upstreams) docs.push(...services(u, notes));
  const ingress = ingressIfSufficient(plan, exported, listeners, notes);
  if (ingress) docs.push(ingress);
  const text =
    reportComment(notes.notes, '#', 'gateway-api', GATEWAY_GENERAL) +
    docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
  return { target: 'gateway-api', fileName: 'gateway-api.yaml', text, notes: notes.notes };
};

function gateway(listeners: ListenerPlan[], notes: NoteLog): Json {
  notes.approx('gateway', `Gateway "${GATEWAY}" with gatewayClassName "${GATEWAY}": set your controller's GatewayClass; addresses are assigned by the controller (listener hosts are not kept)`);
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: GATEWAY },
    spec: {
      gatewayClassName: GATEWAY,
      listeners: listeners.map((l) => {
        if (!defaultLimits(l)) notes.unsupported(`listener ${l.name}: limits`, 'request limits are implementation settings, not Gateway API fields; not exported');
        if (l.tls?.minVersion === 'TLSv1.3') notes.unsupported(`listener ${l.name}: TLS minVersion`, 'the minimum TLS version is an implementation setting; not exported');
        const out: Json = { name: k8sName(l.name), port: l.port, protocol: l.tls ? 'HTTPS' : 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } };
        if (l.tls) {
          const certs = l.tls.certificates === 'local-ca' ? [null] : l.tls.certificates;
          out.tls = { mode: 'Terminate', certificateRefs: certs.map((_, i) => ({ kind: 'Secret', name: k8sName(l.name, 'tls', ...(certs.length > 1 ? [String(i + 1)] : [])) })) };
          notes.approx(
            `listener ${l.name}: TLS`,
            l.tls.certificates === 'local-ca'
              ? `local-ca certificates are Switchyard's own: create Secret ${k8sName(l.name, 'tls')} with a real certificate`
              : `certificates become Secret references (${certs.map((_, i) => k8sName(l.name, 'tls', ...(certs.length > 1 ? [String(i + 1)] : []))).join(', ')}): create them with kubectl create secret tls NAME --cert FILE --key FILE; the controller picks among several by SNI${l.http2 ? '; HTTP/2 is the controller\'s choice' : ''}`,
          );
        }
        return out;
      }),
    },
  };
}

function valueMatch(name: string, c: ValueCondition): Json | null {
  if ('equals' in c) return { type: 'Exact', name, value: c.equals };
  if ('regex' in c) return { type: 'RegularExpression', name, value: c.regex };
  return c.present ? { type: 'RegularExpression', name, value: '.*' } : null;
}

function httpRoute(plan: Plan, r: RoutePlan, listeners: ListenerPlan[], notes: NoteLog): Json | null {
  const subject = `route ${r.name}`;
  const m = r.match;
  const base: Json = {};
  if (m.path !== null) base.path = { type: m.exact ? 'Exact' : 'PathPrefix', value: m.path };
  else if (m.pathRegex !== null) {
    base.path = { type: 'RegularExpression', value: regexSource(m.pathRegex) };
    notes.approx(`${subject}: pathRegex`, 'path type RegularExpression: its dialect and anchoring are implementation-specific');
  }
  const headers: Json[] = [];
  for (const [name, , c] of m.headers) {
    const h = valueMatch(name, c);
    if (!h) {
      notes.unsupported(subject, `header condition "${name} absent" has no Gateway API match; route left out`);
      return null;
    }
    if (h.type !== 'Exact') notes.approx(`${subject}: header ${name}`, 'RegularExpression header match (implementation-specific dialect)');
    headers.push(h);
  }
  const query: Json[] = [];
  for (const [name, , c] of m.query) {
    const q = valueMatch(name, c);
    if (!q) {
      notes.unsupported(subject, `query condition "${name} absent" has no Gateway API match; route left out`);
      return null;
    }
    if (q.type !== 'Exact') notes.approx(`${subject}: query ${name}`, 'RegularExpression query match (implementation-specific dialect)');
    query.push(q);
  }
  if (headers.length) base.headers = headers;
  if (query.length) base.queryParams = query;
  const matches = m.methods ? [...m.methods].map((method) => ({ ...base, method })) : [base];
  for (const method of m.methods ?? []) {
    if (!['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'].includes(method)) {
      notes.unsupported(subject, `method ${method} is not one the Gateway API can match; route left out`);
      return null;
    }
  }
  const rule: Json = { matches };
  const filters = gatewayFilters(plan, r, notes);
  if (filters === null) return null;
  const a = r.action;
  if (a.kind === 'respond') {
    notes.unsupported(subject, `the Gateway API cannot answer directly (respond ${a.status}); route left out`);
    return null;
  }
  if (a.kind === 'proxy') {
    const u = plan.upstreams.get(a.upstream);
    if (!u) return null;
    const primaries = u.targets.map((t, i) => ({ t, i })).filter(({ t }) => !t.backup);
    rule.backendRefs = primaries.map(({ t, i }) => ({ name: serviceName(u, i), port: targetAddress(t.url).port, ...(u.balancer === 'round-robin' ? {} : { weight: t.weight }) }));
    rule.timeouts = { request: goDuration(u.timeouts.responseMs + u.timeouts.idleMs), backendRequest: goDuration(u.timeouts.responseMs) };
    if (!defaultTimeouts(u)) notes.approx(`upstream ${u.name}: timeouts`, `timeouts.backendRequest ${goDuration(u.timeouts.responseMs)} (whole backend request) and request ${goDuration(u.timeouts.responseMs + u.timeouts.idleMs)}; Switchyard times the response headers and body silence`);
  }
  if (filters.length) rule.filters = filters;
  const served = listeners.filter((l) => !l.redirectTo && (r.listeners === null || r.listeners.has(l.name)));
  const hostnames = hostPatterns(m);
  notes.exact(subject, `HTTPRoute ${k8sName(r.name)}`);
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: k8sName(r.name) },
    spec: {
      parentRefs: served.length === listeners.length ? [{ name: GATEWAY }] : served.map((l) => ({ name: GATEWAY, sectionName: k8sName(l.name) })),
      ...(hostnames.length ? { hostnames } : {}),
      rules: [rule],
    },
  };
}

/** Kubernetes names are lower case letters, digits and "-": distinct route names can collide; number the later ones. */
function uniqueNames(docs: Json[], notes: NoteLog): void {
  const seen = new Set<string>();
  for (const d of docs) {
    const meta = d.metadata as { name: string };
    let name = meta.name;
    for (let i = 2; seen.has(name); i++) name = k8sName(meta.name.slice(0, 60), String(i));
    if (name !== meta.name) notes.exact(`HTTPRoute ${meta.name}`, `renamed ${name}: another route has the same Kubernetes name`);
    meta.name = name;
    seen.add(name);
  }
}

function redirectRoute(l: ListenerPlan, plan: Plan, notes: NoteLog): Json {
  const target = plan.listeners.find((x) => x.name === l.redirectTo);
  notes.approx(`listener ${l.name}: redirectTo ${l.redirectTo}`, 'RequestRedirect to https: the standard channel allows 301 (Switchyard 308)');
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: k8sName(l.name, 'to-https') },
    spec: {
      parentRefs: [{ name: GATEWAY, sectionName: k8sName(l.name) }],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', port: target?.port ?? 443, statusCode: 301 } }] }],
    },
  };
}

function services(u: UpstreamPlan, notes: NoteLog): Json[] {
  const subject = `upstream ${u.name}`;
  const out: Json[] = [];
  u.targets.forEach((t, i) => {
    if (t.backup) return;
    const a = targetAddress(t.url);
    const name = serviceName(u, i);
    const port = { name: a.tls ? 'https' : 'http', port: a.port, protocol: 'TCP', ...(a.tls ? { appProtocol: 'https' } : {}) };
    if (isIP(a.host) === 0) {
      out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'ExternalName', externalName: a.host, ports: [port] } });
    } else {
      out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [port] } });
      out.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name, labels: { 'kubernetes.io/service-name': name } },
        addressType: isIP(a.host) === 6 ? 'IPv6' : 'IPv4',
        ports: [{ name: port.name, port: a.port, protocol: 'TCP' }],
        endpoints: [{ addresses: [a.host] }],
      });
    }
  });
  notes.approx(`${subject}: targets`, `each target is a Service (${u.targets.filter((t) => !t.backup).map((_, i) => serviceName(u, i)).join(', ')}): ExternalName for host names, selector-less Service + EndpointSlice for addresses; point them at your workloads`);
  const backups = u.targets.filter((t) => t.backup);
  if (backups.length) notes.unsupported(`${subject}: backup targets`, `the Gateway API has no backup backends; ${backups.map((t) => t.url).join(', ')} left out`);
  if (u.balancer === 'round-robin' || u.balancer === 'weighted-round-robin') notes.exact(`${subject}: balancer ${u.balancer}`, 'backendRefs with weights');
  else notes.unsupported(`${subject}: balancer ${u.balancer}`, 'the Gateway API only weights backends; the balancing algorithm is the implementation\'s');
  if (u.sticky) notes.unsupported(`${subject}: sticky cookie`, 'session persistence is experimental in the Gateway API; not exported');
  if (u.healthCheck) notes.unsupported(`${subject}: health check`, 'health checks are Kubernetes readiness probes on the workloads, not Gateway API fields');
  if (u.outlier) notes.unsupported(`${subject}: outlier detection`, 'not in the Gateway API');
  if (u.retry) notes.unsupported(`${subject}: retry`, 'HTTPRoute retries are experimental; not exported');
  if (u.tls) notes.unsupported(`${subject}: TLS`, 'TLS to backends needs a BackendTLSPolicy (not in the standard channel); not exported');
  if (u.hostHeader === 'target') notes.approx(`${subject}: host header`, 'the Host sent to Services is the implementation\'s choice (most keep the client\'s)');
  if (u.slowStartMs) notes.unsupported(`${subject}: slow start`, 'not in the Gateway API');
  if (!defaultKeepAlive(u) || u.timeouts.connectMs !== 5000) notes.unsupported(`${subject}: connections`, 'connect timeout and connection pool are implementation settings; not exported');
  if (u.http2) notes.unsupported(`${subject}: http2`, 'HTTP/2 to backends is chosen by the implementation (Service appProtocol); not exported');
  return out;
}

/** Gateway API precedence: longest hostname, Exact before prefix, longest path, method, most headers, most query params; then creation time and name. */
function checkPrecedence(routes: RoutePlan[], notes: NoteLog): void {
  const key = (r: RoutePlan) => {
    const m = r.match;
    const host = hostPatterns(m).reduce((n, h) => Math.max(n, h.startsWith('*') ? h.length - 1 : h.length + 1000), 0);
    return [host, m.exact ? 1 : 0, (m.path ?? '').length, m.methods ? 1 : 0, m.headers.length, m.query.length];
  };
  const cmp = (a: RoutePlan, b: RoutePlan) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return kb[i] - ka[i];
    return 0;
  };
  // Ties fall to creation time, then name: all routes are created together, so by name.
  const sorted = [...routes].sort((a, b) => cmp(a, b) || k8sName(a.name).localeCompare(k8sName(b.name)));
  const rank = new Map(sorted.map((r, i) => [r, i]));
  // Only pairs that one request could match both of can be answered differently.
  const swapped: string[] = [];
  routes.forEach((a, i) => {
    for (const b of routes.slice(i + 1)) if ((rank.get(b) ?? 0) < (rank.get(a) ?? 0) && mayOverlap(a, b)) swapped.push(`${b.name} before ${a.name}`);
  });
  const regex = routes.length > 1 && routes.some((r) => r.match.pathRegex);
  if (swapped.length || regex) {
    const parts = [
      swapped.length ? `the Gateway API orders matches by hostname, path and condition specificity: ${swapped.join(', ')}, where Switchyard tries them the other way round` : '',
      regex ? 'regex paths rank by implementation' : '',
    ];
    notes.approx('route order', parts.filter(Boolean).join('; '));
  } else {
    notes.exact('route order', 'Gateway API precedence tries every pair of overlapping routes in Switchyard\'s order');
  }
}

function ingressIfSufficient(plan: Plan, routes: RoutePlan[], listeners: ListenerPlan[], notes: NoteLog): Json | null {
  const simple = routes.every((r) => {
    const m = r.match;
    if (r.action.kind !== 'proxy' || m.pathRegex || m.methods || m.headers.length || m.query.length || r.rewrite || r.policies.length) return false;
    const u = plan.upstreams.get(r.action.upstream);
    return u !== undefined && u.targets.filter((t) => !t.backup).length === 1;
  });
  if (!simple || routes.length === 0) {
    notes.exact('ingress', 'no Ingress: the routes need features an Ingress cannot express (the Gateway API resources are complete)');
    return null;
  }
  const backendOf = (r: RoutePlan) => {
    const u = plan.upstreams.get((r.action as { upstream: string }).upstream) as UpstreamPlan;
    const i = u.targets.findIndex((t) => !t.backup);
    return { service: { name: serviceName(u, i), port: { number: targetAddress(u.targets[i].url).port } } };
  };
  const path = (r: RoutePlan) => ({ path: r.match.path ?? '/', pathType: r.match.exact ? 'Exact' : 'Prefix', backend: backendOf(r) });
  // A request whose host has a rule never falls through to the host-less rule, so host-less routes join every host's rule.
  const byHost = new Map<string, Json[]>();
  for (const h of hostPatternsOf(routes)) byHost.set(h, routes.filter((r) => routeCoversHost(r.match, h)).map(path));
  const anyHost = routes.filter((r) => r.match.hosts === null).map(path);
  if (anyHost.length) byHost.set('', anyHost);
  const tlsHosts = listeners.some((l) => l.tls) ? [...byHost.keys()].filter(Boolean) : [];
  notes.approx('ingress', 'an equivalent networking.k8s.io/v1 Ingress is included (for controllers without the Gateway API); it serves the controller\'s ports, not the listeners\' ports');
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: GATEWAY },
    spec: {
      ...(tlsHosts.length ? { tls: [{ hosts: tlsHosts, secretName: k8sName(listeners.find((l) => l.tls)?.name ?? 'tls', 'tls') }] } : {}),
      rules: [...byHost.entries()].map(([host, paths]) => ({ ...(host ? { host } : {}), http: { paths } })),
    },
  };
}
