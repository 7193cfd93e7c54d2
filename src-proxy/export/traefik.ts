/**
 * Traefik exporter: dynamic configuration for the file provider (v3):
 * routers with rules, middlewares, services, servers transports and TLS
 * certificates. Entry points live in Traefik's static configuration, so the
 * report names the ones the routers expect.
 */
import { stringify } from 'yaml';
import type { ListenerPlan, Plan, RoutePlan, UpstreamPlan, ValueCondition } from '../config/plan.js';
import { assertExportable } from './shared/export-guard.js';
import type { Exporter, ExportOptions } from './exporter.js';
import { escapeRegex, rewriteAsRegex } from './path-rewrite.js';
import { reportComment } from './report.js';
import { noteUncappedEjection } from './shared/ejection-cap.js';
import { escapeTraefikTemplates } from './shared/go-template.js';
import { toDialect } from './shared/regex-dialect.js';
import { traefikPolicy } from './traefik-policies.js';
import { defaultKeepAlive, defaultLimits, goDuration, hostPatterns, NoteLog, re2Problem, regexSource, reverseListeners, toRe2, usedUpstreams } from './translate.js';

type Json = Record<string, unknown>;

const TRAEFIK_GENERAL = [
  'no-route, bad-gateway and timeout answers are Traefik\'s own (plain text), not RFC 9457 JSON',
  'Traefik sets X-Forwarded-For/-Proto/-Host/-Port/-Server and X-Real-Ip; the RFC 7239 Forwarded header and X-Request-Id are not set',
  'there is no idle limit inside response bodies (Switchyard: timeouts.idle, default 60s)',
  'listener limits (URL length, header size, header timeout) are entry point settings in the static configuration',
];

export interface TraefikDoc {
  routers: Record<string, Json>;
  middlewares: Record<string, Json>;
  services: Record<string, Json>;
  serversTransports: Record<string, Json>;
}

export const exportTraefik: Exporter = (plan: Plan, opts: ExportOptions) => {
  assertExportable(plan, 'traefik');
  const notes = new NoteLog();
  const doc: TraefikDoc = { routers: {}, middlewares: {}, services: {}, serversTransports: {} };
  const listeners = reverseListeners(plan, notes, 'Traefik');
  for (const l of listeners) {
    if (!defaultLimits(l)) notes.unsupported(`listener ${l.name}: limits`, 'request limits are entry point settings in Traefik\'s static configuration (and buffering for body sizes); not exported');
    notes.exact(`listener ${l.name}`, `routers use entry point "${l.name}"; define it in Traefik's static configuration with address ${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}${l.tls ? ' (TLS: routers carry tls: {})' : ''}`);
  }
  const exported = plan.routes.filter((r) => listeners.some((l) => r.listeners === null || r.listeners.has(l.name)));
  exported.forEach((r, i) => traefikRouter(plan, r, listeners, exported.length - i, doc, notes, opts));
  for (const l of listeners.filter((x) => x.redirectTo)) redirectListener(l, plan, doc, notes);
  for (const u of usedUpstreams(plan, exported)) traefikService(u, doc, notes);
  const tls = tlsSection(listeners, notes);
  const http: Json = {};
  for (const key of ['routers', 'middlewares', 'services', 'serversTransports'] as const) if (Object.keys(doc[key]).length) http[key] = doc[key];
  const config: Json = { http, ...(tls ? { tls } : {}) };
  const text = escapeTraefikTemplates(reportComment(notes.notes, '#', 'traefik', TRAEFIK_GENERAL) + stringify(config, { lineWidth: 0, aliasDuplicateObjects: false }));
  return { target: 'traefik', fileName: 'traefik.yaml', text, notes: notes.notes };
};

/** A rule string: backquoted (raw), or a Go double-quoted string when the value holds a backquote. */
const tick = (s: string) => (s.includes('`') ? JSON.stringify(s) : '`' + s + '`');

function valueRule(kind: 'Header' | 'Query', name: string, c: ValueCondition): string | { problem: string } {
  if ('equals' in c) return `${kind}(${tick(name)}, ${tick(c.equals)})`;
  if ('regex' in c) {
    const d = toDialect(c.regex, 're2');
    if ('problem' in d) return { problem: `match.${kind === 'Header' ? 'headers' : 'query'}.${name}: ${d.problem}` };
    return `${kind}Regexp(${tick(name)}, ${tick(toRe2(d.source))})`;
  }
  const any = `${kind}Regexp(${tick(name)}, ${tick('.*')})`;
  return c.present ? any : `!${any}`;
}

/** The router rule for a route's match, or a reason it cannot be written. */
export function traefikRule(r: RoutePlan): { rule: string } | { problem: string } {
  const m = r.match;
  const parts: string[] = [];
  const hosts = hostPatterns(m).map((h) => (h.startsWith('*.') ? `HostRegexp(${tick(`^.+${escapeRegex(h.slice(1))}$`)})` : `Host(${tick(h)})`));
  if (hosts.length) parts.push(hosts.length === 1 ? hosts[0] : `(${hosts.join(' || ')})`);
  if (m.path !== null) {
    if (m.exact) parts.push(`Path(${tick(m.path)})`);
    else if (m.path === '/' || m.path.endsWith('/')) parts.push(`PathPrefix(${tick(m.path)})`);
    else parts.push(`(Path(${tick(m.path)}) || PathPrefix(${tick(m.path + '/')}))`);
  } else if (m.pathRegex !== null) {
    const problem = re2Problem(regexSource(m.pathRegex));
    if (problem) return { problem: `pathRegex uses ${problem}, which Go's regexp does not support` };
    const d = toDialect(regexSource(m.pathRegex), 're2');
    if ('problem' in d) return { problem: `pathRegex: ${d.problem}` };
    parts.push(`PathRegexp(${tick(toRe2(d.source))})`);
  }
  if (m.methods) {
    const ms = [...m.methods].map((x) => `Method(${tick(x)})`);
    parts.push(ms.length === 1 ? ms[0] : `(${ms.join(' || ')})`);
  }
  for (const [kind, conds] of [['Header', m.headers], ['Query', m.query]] as const) {
    for (const [name, , c] of conds) {
      const v = valueRule(kind, name, c);
      if (typeof v !== 'string') return v;
      parts.push(v);
    }
  }
  return { rule: parts.length ? parts.join(' && ') : 'PathPrefix(`/`)' };
}

function traefikRouter(plan: Plan, r: RoutePlan, listeners: ListenerPlan[], priority: number, doc: TraefikDoc, notes: NoteLog, opts: ExportOptions): void {
  const subject = `route ${r.name}`;
  const rule = traefikRule(r);
  if ('problem' in rule) {
    notes.unsupported(subject, `${rule.problem}; route left out`);
    return;
  }
  const served = listeners.filter((l) => !l.redirectTo && (r.listeners === null || r.listeners.has(l.name)));
  const middlewares: string[] = [];
  const router: Json = { entryPoints: served.map((l) => l.name), rule: rule.rule, priority };
  const a = r.action;
  if (a.kind === 'respond') {
    notes.unsupported(subject, `Traefik cannot answer directly (respond ${a.status}); route left out`);
    return;
  }
  for (const name of r.policies) {
    const p = plan.policies.get(name);
    if (!p) continue;
    const mw = traefikPolicy(name, p, r, served.some((l) => l.tls !== null), doc, notes, opts);
    if (mw) middlewares.push(mw);
  }
  if (a.kind === 'redirect') {
    const mw = redirectMiddleware(r, a.to, a.status, notes);
    if (!mw) return;
    doc.middlewares[`${r.name}-redirect`] = mw;
    middlewares.push(`${r.name}-redirect`);
    router.service = 'noop@internal';
  } else {
    const u = plan.upstreams.get(a.upstream);
    if (!u) return;
    router.service = u.name;
    const host = r.rewrite?.host ?? (typeof u.hostHeader === 'object' ? u.hostHeader.fixed : null);
    if (r.rewrite && (r.rewrite.stripPrefix || r.rewrite.replacePrefix || r.rewrite.regex)) {
      const rw = rewriteAsRegex(r.rewrite, (n) => `\${${n}}`);
      if ('problem' in rw) {
        notes.unsupported(subject, `rewrite ${rw.problem}; route left out`);
        return;
      }
      doc.middlewares[`${r.name}-rewrite`] = { replacePathRegex: { regex: rw.pattern, replacement: rw.replacement } };
      middlewares.push(`${r.name}-rewrite`);
      notes.approx(`${subject}: rewrite`, `replacePathRegex ${rw.pattern} → ${rw.replacement}${rw.exact ? '' : ` (${rw.detail})`}; Traefik also sends X-Replaced-Path upstream`);
    }
    if (host) {
      doc.middlewares[`${r.name}-host`] = { headers: { customRequestHeaders: { Host: host } } };
      middlewares.push(`${r.name}-host`);
      notes.exact(`${subject}: host header`, `headers middleware sets Host: ${host}`);
    }
    if (u.retry && u.retry.attempts > 0) {
      doc.middlewares[`${u.name}-retry`] = { retry: { attempts: u.retry.attempts + 1 } };
      middlewares.push(`${u.name}-retry`);
      const statuses = [...u.retry.on].filter((x) => typeof x === 'number');
      notes.approx(`upstream ${u.name}: retry`, `retry middleware (${u.retry.attempts + 1} attempts) retries on network errors only${statuses.length ? `; retries on status ${statuses.join(', ')} not translated` : ''}; no retry budget`);
    }
  }
  if (middlewares.length) router.middlewares = middlewares;
  if (served.some((l) => l.tls)) {
    if (served.some((l) => !l.tls)) {
      // A router is either TLS or not: split into two.
      doc.routers[`${r.name}-tls`] = { ...router, entryPoints: served.filter((l) => l.tls).map((l) => l.name), tls: {} };
      router.entryPoints = served.filter((l) => !l.tls).map((l) => l.name);
    } else router.tls = {};
  }
  doc.routers[r.name] = router;
  notes.exact(subject, `router with rule ${rule.rule} (priority ${priority}: Switchyard's order)`);
}

function redirectMiddleware(r: RoutePlan, to: string, status: number, notes: NoteLog): Json | null {
  const subject = `route ${r.name}`;
  if (/\{(query|host)\}/.test(to) || (/\$(\d|<)/.test(to) && !r.match.pathRegex)) {
    notes.unsupported(subject, `redirect target "${to}" uses {query}/{host} templates that redirectRegex cannot fill; route left out`);
    return null;
  }
  // redirectRegex sees the whole URL: capture scheme+host, then the path.
  let pathPart = '(/[^?]*)';
  if (r.match.pathRegex) {
    const src = toRe2(regexSource(r.match.pathRegex));
    const start = src.startsWith('^') ? src.slice(1) : `[^?]*?${src}`;
    pathPart = start.endsWith('$') && !start.endsWith('\\$') ? start.slice(0, -1) : `${start}[^?]*`;
  }
  // The query is consumed too: Switchyard's Location carries it only through {query}.
  const regex = `^(https?://[^/]+)${pathPart}(?:\\?.*)?$`;
  const replacement = to.replace(/\{path\}/g, r.match.pathRegex ? '' : '${2}').replace(/\$(\d+)/g, (_, n: string) => `\${${Number(n) + 1}}`);
  const permanent = status === 301 || status === 308;
  notes.approx(subject, `redirectRegex (permanent: ${permanent}): Traefik answers ${permanent ? '301 (308 for non-GET)' : '302 (307 for non-GET)'} where Switchyard answers ${status}`);
  return { redirectRegex: { regex, replacement, permanent } };
}

function redirectListener(l: ListenerPlan, plan: Plan, doc: TraefikDoc, notes: NoteLog): void {
  const target = plan.listeners.find((x) => x.name === l.redirectTo);
  if (!target) return;
  doc.middlewares[`${l.name}-to-https`] = { redirectScheme: { scheme: 'https', port: String(target.port), permanent: true } };
  doc.routers[`${l.name}-to-https`] = { entryPoints: [l.name], rule: 'PathPrefix(`/`)', priority: 1, middlewares: [`${l.name}-to-https`], service: 'noop@internal' };
  notes.approx(`listener ${l.name}: redirectTo ${target.name}`, `redirectScheme to https port ${target.port}: Traefik answers 301 (308 for non-GET); Switchyard 308`);
}

/** The loadBalancer strategy for a balancer (wrr, p2c and hrw are Traefik's), with its note. */
function strategyOf(u: UpstreamPlan, notes: NoteLog): string {
  const subject = `upstream ${u.name}: balancer ${u.balancer}`;
  switch (u.balancer) {
    case 'round-robin':
    case 'weighted-round-robin':
      notes.exact(subject, 'loadBalancer strategy wrr (weighted round robin)');
      return 'wrr';
    case 'p2c':
      notes.exact(subject, 'loadBalancer strategy p2c (power of two choices by active connections)');
      return 'p2c';
    case 'least-connections':
      notes.approx(subject, 'loadBalancer strategy p2c: the less busy of two random servers, not the least busy of all');
      return 'p2c';
    case 'random':
      notes.approx(subject, 'loadBalancer strategy wrr: Traefik has no random balancer');
      return 'wrr';
    case 'consistent-hash':
      if ((u.hashOn ?? 'ip') !== 'ip') {
        notes.unsupported(subject, `Traefik hashes only on the client address; requests with the same ${u.hashOn} do not keep their server (balanced by wrr)`);
        return 'wrr';
      }
    // falls through: hashing on the client address is what ip-hash does
    case 'ip-hash':
      notes.approx(subject, 'loadBalancer strategy hrw (rendezvous hashing on the client address): a client keeps its server, but which one differs');
      return 'hrw';
  }
}

function traefikService(u: UpstreamPlan, doc: TraefikDoc, notes: NoteLog): void {
  const subject = `upstream ${u.name}`;
  const strategy = strategyOf(u, notes);
  const transport: Json = {
    forwardingTimeouts: { dialTimeout: goDuration(u.timeouts.connectMs), responseHeaderTimeout: goDuration(u.timeouts.responseMs), idleConnTimeout: goDuration(u.keepAlive.idleTimeoutMs) },
    maxIdleConnsPerHost: u.keepAlive.connections,
  };
  notes.exact(`${subject}: timeouts`, `serversTransport dialTimeout ${goDuration(u.timeouts.connectMs)}, responseHeaderTimeout ${goDuration(u.timeouts.responseMs)}`);
  if (u.timeouts.idleMs !== 60_000) notes.unsupported(`${subject}: idle timeout`, `Traefik has no limit on silence inside a response body (${goDuration(u.timeouts.idleMs)} not translated)`);
  if (u.targets.some((t) => t.url.startsWith('https:'))) {
    if (u.tls?.insecure) transport.insecureSkipVerify = true;
    if (u.tls?.ca.length) transport.rootCAs = [...u.tls.ca];
    if (u.tls?.servername) transport.serverName = u.tls.servername;
    if (u.tls?.cert && u.tls.key) transport.certificates = [{ certFile: u.tls.cert, keyFile: u.tls.key }];
    if (!u.http2) transport.disableHTTP2 = true;
    notes.approx(`${subject}: TLS`, `serversTransport${u.tls?.ca.length ? ' rootCAs replace the system store (Switchyard adds to it)' : ' verifies against the system store'}${u.tls?.servername ? '' : '; SNI is the target host, not the Host sent upstream'}`);
  }
  if (!defaultKeepAlive(u)) notes.approx(`${subject}: keep-alive`, `maxIdleConnsPerHost ${u.keepAlive.connections} limits idle connections, not all connections; idleConnTimeout ${goDuration(u.keepAlive.idleTimeoutMs)}`);
  doc.serversTransports[u.name] = transport;
  const lb = (targets: typeof u.targets): Json => {
    const out: Json = {
      ...(strategy !== 'wrr' ? { strategy } : {}),
      servers: targets.map((t) => (u.balancer === 'round-robin' ? { url: t.url } : { url: t.url, weight: t.weight })),
      passHostHeader: u.hostHeader !== 'target',
      serversTransport: u.name,
    };
    if (u.sticky) out.sticky = { cookie: { name: u.sticky.cookie, httpOnly: true, ...(u.sticky.ttlMs ? { maxAge: Math.round(u.sticky.ttlMs / 1000) } : {}) } };
    if (u.healthCheck) {
      const hc = u.healthCheck;
      out.healthCheck = {
        path: hc.path,
        interval: goDuration(hc.intervalMs),
        timeout: goDuration(hc.timeoutMs),
        ...(hc.host ? { hostname: hc.host } : {}),
        ...(hc.expectStatus.length === 1 && hc.expectStatus[0][0] === hc.expectStatus[0][1] ? { status: hc.expectStatus[0][0] } : {}),
      };
    }
    if (u.outlier) out.passiveHealthCheck = { failureWindow: goDuration(u.outlier.ejectForMs), maxFailedAttempts: u.outlier.consecutiveFailures };
    return out;
  };
  const primaries = u.targets.filter((t) => !t.backup);
  const backups = u.targets.filter((t) => t.backup);
  if (backups.length) {
    doc.services[`${u.name}-primary`] = { loadBalancer: lb(primaries) };
    doc.services[`${u.name}-backup`] = { loadBalancer: lb(backups) };
    doc.services[u.name] = { failover: { service: `${u.name}-primary`, fallback: `${u.name}-backup`, ...(u.healthCheck ? { healthCheck: {} } : {}) } };
    if (u.healthCheck) notes.exact(`${subject}: backup targets`, 'failover service: the backup pool serves when the primary pool\'s health check finds no server up');
    else notes.approx(`${subject}: backup targets`, 'failover service; without a health check Traefik cannot tell the primaries are down, so the backups only serve if the primary pool is marked down otherwise');
  } else {
    doc.services[u.name] = { loadBalancer: lb(primaries) };
  }
  if (u.outlier) {
    notes.approx(`${subject}: outlier detection`, `passiveHealthCheck: ${u.outlier.consecutiveFailures} failed attempts within ${goDuration(u.outlier.ejectForMs)} take a server out for that window (Switchyard: consecutive failures, ejection doubling up to 10×)`);
    noteUncappedEjection(u, subject, 'Traefik', notes);
  }
  if (u.sticky) notes.exact(`${subject}: sticky cookie`, `sticky.cookie ${u.sticky.cookie}`);
  if (u.healthCheck) {
    const hc = u.healthCheck;
    const default23 = hc.expectStatus.length === 1 && hc.expectStatus[0][0] === 200 && hc.expectStatus[0][1] === 399;
    const single = hc.expectStatus.length === 1 && hc.expectStatus[0][0] === hc.expectStatus[0][1];
    notes.approx(`${subject}: health check`, `healthCheck ${hc.path} every ${goDuration(hc.intervalMs)}; Traefik changes state on one result (healthyAfter ${hc.healthyAfter} / unhealthyAfter ${hc.unhealthyAfter} not translated)${default23 || single ? '' : `; expected status ${hc.expectStatus.map(([a, b]) => (a === b ? a : `${a}-${b}`)).join(',')} becomes Traefik's 2xx/3xx`}`);
  }
  if (u.slowStartMs) notes.unsupported(`${subject}: slow start`, 'no Traefik equivalent');
}

function tlsSection(listeners: ListenerPlan[], notes: NoteLog): Json | null {
  const certificates: Json[] = [];
  let minVersion: string | null = null;
  let h2 = false;
  for (const l of listeners) {
    if (!l.tls) continue;
    if (l.tls.minVersion === 'TLSv1.3') minVersion = 'VersionTLS13';
    h2 ||= l.http2;
    if (l.tls.certificates === 'local-ca') {
      certificates.push({ certFile: `/etc/traefik/certs/${l.name}.crt`, keyFile: `/etc/traefik/certs/${l.name}.key` });
      notes.approx(`listener ${l.name}: TLS`, `local-ca certificates are Switchyard's own: placeholder paths /etc/traefik/certs/${l.name}.crt and .key`);
    } else {
      for (const c of l.tls.certificates) certificates.push({ certFile: c.cert, keyFile: c.key });
      if (l.tls.certificates.some((c) => c.hosts !== null)) notes.approx(`listener ${l.name}: TLS`, 'certificates in the TLS store, chosen by SNI from the names inside each certificate (explicit `hosts` are not used)');
      else notes.exact(`listener ${l.name}: TLS`, 'certificates in the TLS store, chosen by SNI from the names inside each certificate');
    }
  }
  if (certificates.length === 0) return null;
  const alpn = h2 ? ['h2', 'http/1.1'] : ['http/1.1'];
  // Switchyard answers unknown SNI names with the first certificate; so does Traefik's default store with this.
  return { certificates, options: { default: { minVersion: minVersion ?? 'VersionTLS12', alpnProtocols: alpn } }, stores: { default: { defaultCertificate: certificates[0] } } };
}
