/**
 * HAProxy exporter: one haproxy.cfg (HAProxy 2.6+).
 *
 * Each reverse listener is a frontend. Routes are tried in the plan's order:
 * the first route whose ACLs hold sets `txn.route`, and every later action
 * (policies, rewrites, fixed answers, use_backend) is conditioned on that
 * variable, so fall-through to the next route is exactly Switchyard's.
 * Each upstream is a backend.
 */
import type { ListenerPlan, Plan, RoutePlan, UpstreamPlan } from '../config/plan.js';
import { assertExportable } from './shared/export-guard.js';
import type { Exporter } from './exporter.js';
import { reportComment } from './report.js';
import { HaproxyPolicies } from './shared/haproxy-policies.js';
import { harg, hfmt, hq, hrepl, hstr, hw, statusRegex } from './shared/haproxy-syntax.js';
import { noteUncappedEjection } from './shared/ejection-cap.js';
import { Notes } from './shared/notes.js';
import { fmtDuration, hostRegex, listenAddress, pathRegex, reverseListeners, routesOf, targetHostPort, upstreamHostHeader, valueRegex } from './shared/plan-view.js';
import { escapeRegex, portabilityIssue, wholeSubjectRewrite } from './shared/regex.js';
import { inDialect, routeRegexProblem, toDialect } from './shared/regex-dialect.js';
import { TextBlock } from './shared/text-block.js';

/** Differences every haproxy export has, whatever the workspace (they do not fail --strict). */
const HAPROXY_GENERAL = [
  'error answers: HAProxy answers 403/404/429/502/503/504 with its own bodies, not RFC 9457 problem JSON; status codes are the same',
  'X-Request-Id: kept when the client sends a valid one; generated ids are UUIDs instead of Switchyard\'s exchange ids',
];

/** Placeholder directory for local-CA certificates and combined PEM files; tests rewrite it. */
export const HAPROXY_ETC = '/etc/haproxy/switchyard';

export const exportHaproxy: Exporter = (plan, opts) => {
  assertExportable(plan, 'haproxy');
  const notes = new Notes();
  const out = new TextBlock('    ');
  const policies = new HaproxyPolicies(plan, notes, opts);
  for (const l of plan.listeners.filter((x) => x.mode === 'forward')) {
    notes.unsupported(`listener ${l.name}`, 'forward-proxy mode (CONNECT) is not an HAProxy frontend feature; listener left out');
  }
  notes.exact('forwarding headers', 'X-Forwarded-For (appended), X-Forwarded-Proto/-Host, X-Real-IP, Forwarded and X-Request-Id set by http-request rules as Switchyard sets them; WebSocket upgrades pass natively');
  notes.approx(
    'path matching',
    'HAProxy matches the path as sent: dot segments ("/a/../b") are not resolved and repeated slashes are not merged before routing (http-request normalize-uri is experimental in HAProxy 2.6)',
  );

  out.line('global');
  out.indented(() => {
    out.line('maxconn 4096');
    out.line('log stderr format short local0 warning');
  });
  out.line('');
  out.line('defaults');
  out.indented(() => {
    out.line('mode http');
    out.line('log global');
    out.line('option http-keep-alive');
    out.line('timeout connect 5s');
    out.line('timeout client 60s');
    out.line('timeout server 60s');
    out.line('timeout tunnel 1h');
  });

  for (const l of reverseListeners(plan)) writeFrontend(plan, l, out, policies, notes);
  for (const u of plan.upstreams.values()) writeBackend(u, plan, out, policies, notes);
  for (const l of policies.extraSections()) out.line(l);

  return { target: 'haproxy', fileName: 'haproxy.cfg', notes: notes.list, text: reportComment(notes.list, '#', 'haproxy', HAPROXY_GENERAL) + out.toString() };
};

/** 204 and 304 answers carry no body (Switchyard does not send one either), and HAProxy refuses a config that gives them one. */
function bodyless(status: number): boolean {
  return status === 204 || status === 304;
}

function routeIs(r: RoutePlan): string {
  return `{ var(txn.route) -m str ${r.name} }`;
}

function writeFrontend(plan: Plan, l: ListenerPlan, out: TextBlock, policies: HaproxyPolicies, notes: Notes): void {
  out.line('');
  out.line(`frontend fe_${l.name}`);
  out.indented(() => {
    out.line(`bind ${listenAddress(l)}${l.tls ? bindTls(l, notes) : ''}`);
    const lim = l.limits;
    out.line(`timeout http-request ${fmtDuration(lim.headersTimeoutMs)}`);
    out.line(`timeout http-keep-alive ${fmtDuration(lim.keepAliveTimeoutMs)}`);
    if (lim.maxBodySize !== null) out.line(`http-request deny deny_status 413 if { req.hdr_val(content-length) gt ${lim.maxBodySize} }`);
    notes.approx(`listener ${l.name}: limits`, 'maxUrlLength/maxHeaderSize follow HAProxy\'s tune.bufsize (global); maxBodySize is checked on Content-Length only');
    if (l.redirectTo !== null) {
      const target = plan.listeners.find((x) => x.name === l.redirectTo)!;
      out.line(`http-request redirect location "https://%[req.hdr(host),field(1,:)]:${target.port}%[capture.req.uri]" code 308`);
      notes.approx(`listener ${l.name}: redirectTo`, `every request is redirected with 308 to https://<host>:${target.port}<uri>`);
      return;
    }
    const proto = l.tls ? 'https' : 'http';
    out.line('# Forwarding headers, from what the client sent');
    out.line('http-request set-header X-Forwarded-For "%[req.hdr(x-forwarded-for)], %[src]" if { req.hdr(x-forwarded-for) -m found }');
    out.line('http-request set-header X-Forwarded-For %[src] unless { req.hdr(x-forwarded-for) -m found }');
    out.line(`http-request set-header X-Forwarded-Proto ${proto}`);
    out.line('http-request set-header X-Forwarded-Host %[req.hdr(host)]');
    out.line('http-request set-header X-Real-IP %[src]');
    out.line('http-request set-var(txn.fwd_host) req.hdr(host)');
    out.line(`http-request set-var-fmt(txn.fwd_host) "\\"%[req.hdr(host)]\\"" unless { req.hdr(host) -m reg ${hq("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")} }`);
    out.line(`http-request set-var-fmt(txn.fwd) "for=%[src];host=%[var(txn.fwd_host)];proto=${proto}"`);
    out.line('http-request set-header Forwarded "%[req.hdr(forwarded)], %[var(txn.fwd)]" if { req.hdr(forwarded) -m found }');
    out.line('http-request set-header Forwarded %[var(txn.fwd)] unless { req.hdr(forwarded) -m found }');
    out.line(`http-request set-header X-Request-Id %[uuid] unless { req.hdr(x-request-id) -m reg ${hq('^[!-~]{1,200}$')} }`);
    out.line('');
    out.line('# Route table: the first route whose conditions hold');
    const routes = routesOf(plan, l).filter((r) => {
      const problem = routeRegexProblem(r, 'pcre') ?? (r.action.kind === 'respond' && r.action.status < 200 ? `respond status ${r.action.status}: HAProxy cannot answer with a 1xx status` : null);
      if (problem) notes.unsupported(`route ${r.name}`, `${problem}; route left out`);
      return problem === null;
    });
    for (const r of routes) out.line(`http-request set-var(txn.route) str(${r.name}) if !{ var(txn.route) -m found }${conditions(r, notes)}`);
    out.line('http-request deny deny_status 404 unless { var(txn.route) -m found }');
    const useBackend: string[] = [];
    for (const r of routes) {
      out.line(`# route ${r.name}`);
      for (const line of policies.frontendLines(r, routeIs(r), l)) out.line(line);
      const backend = writeRouteAction(r, plan, out, notes);
      if (backend) useBackend.push(`use_backend ${backend} if ${routeIs(r)}`);
    }
    for (const line of useBackend) out.line(line);
  });
}

function conditions(r: RoutePlan, notes: Notes): string {
  const m = r.match;
  const c: string[] = [];
  const host = hostRegex(m);
  if (host !== null) c.push(`{ req.hdr(host),field(1,:),lower -m reg ${hq(host)} }`);
  const path = pathRegex(m);
  if (path !== null) {
    if (m.pathRegex) {
      const issue = portabilityIssue(m.pathRegex.source, 'pcre');
      if (issue) notes.approx(`route ${r.name}: pathRegex`, `the pattern ${issue} (PCRE); check that it matches the same paths`);
    }
    c.push(`{ path -m reg ${hq(inDialect(path, 'pcre'))} }`);
  }
  if (m.methods !== null) c.push(`{ method ${[...m.methods].join(' ')} }`);
  for (const [name, , cond] of m.headers) {
    const h = harg(name, `route ${r.name}: match.headers`);
    if ('present' in cond) c.push(`${cond.present ? '' : '!'}{ req.hdr(${h}) -m found }`);
    else c.push(`{ req.fhdr(${h}) -m reg ${hq(inDialect(valueRegex(cond)!, 'pcre'))} }`);
  }
  if (m.headers.length > 0) notes.approx(`route ${r.name}: headers`, 'req.fhdr reads the last occurrence of a repeated header; Switchyard reads all occurrences joined with ", "');
  for (const [name, , cond] of m.query) {
    const q = harg(name, `route ${r.name}: match.query`);
    if ('present' in cond) c.push(`${cond.present ? '' : '!'}{ url_param(${q}) -m found }`);
    else c.push(`{ url_param(${q}) -m reg ${hq(inDialect(valueRegex(cond)!, 'pcre'))} }`);
  }
  if (m.query.length > 0) notes.approx(`route ${r.name}: query`, 'url_param compares the raw (still percent-encoded) value');
  return c.map((x) => ' ' + x).join('');
}

/** Writes a route's rules; returns the backend it proxies to, if any. */
function writeRouteAction(r: RoutePlan, plan: Plan, out: TextBlock, notes: Notes): string | null {
  const when = routeIs(r);
  const a = r.action;
  const subject = `route ${r.name}`;
  if (a.kind === 'respond') {
    let type = 'application/octet-stream';
    const extra: string[] = [];
    for (const [k, v] of Object.entries(a.headers)) {
      if (k.toLowerCase() === 'content-type') type = v;
      else extra.push(`hdr ${hw(k)} "${hfmt(v)}"`);
    }
    const body = a.body.length > 0 && !bodyless(a.status) ? ` content-type ${hstr(type)} string ${hstr(a.body.toString('utf8'))}` : '';
    out.line(`http-request return status ${a.status}${body}${extra.map((x) => ' ' + x).join('')} if ${when}`);
    if (a.body.length > 0 && !bodyless(a.status) && !Object.keys(a.headers).some((k) => k.toLowerCase() === 'content-type')) {
      notes.approx(`${subject}: respond`, 'HAProxy needs a content-type with a body: application/octet-stream is sent');
    } else notes.exact(`${subject}: respond`, `http-request return status ${a.status}`);
    return null;
  }
  if (a.kind === 'redirect') {
    if (/\$(\d|<)/.test(a.to)) {
      notes.unsupported(`${subject}: redirect`, 'regex captures in redirect targets are not translated; the literal target is used');
    }
    const loc = hfmt(a.to.replace(/\$(\d+)|\$<[^>]*>/g, ''))
      .replace(/\{path\}/g, '%[path]')
      .replace(/\{host\}/g, '%[req.hdr(host),field(1,:),lower]');
    if (loc.includes('{query}')) {
      out.line(`http-request redirect location "${loc.replace(/\{query\}/g, '?%[query]')}" code ${a.status} if ${when} { query -m found }`);
      out.line(`http-request redirect location "${loc.replace(/\{query\}/g, '')}" code ${a.status} if ${when}`);
    } else out.line(`http-request redirect location "${loc}" code ${a.status} if ${when}`);
    if (!/\$(\d|<)/.test(a.to)) notes.exact(`${subject}: redirect`, `http-request redirect code ${a.status}`);
    return null;
  }
  const u = plan.upstreams.get(a.upstream);
  if (!u) return null;
  const rw = r.rewrite;
  if (rw?.stripPrefix) {
    const p = escapeRegex(rw.stripPrefix);
    out.line(`http-request replace-path ${hq(rw.stripPrefix.endsWith('/') ? `^${p}/?(.*)$` : `^${p}(?=/|$)/?(.*)$`)} '/\\1' if ${when}`);
  }
  if (rw?.replacePrefix) {
    const { from, to } = rw.replacePrefix;
    const f = escapeRegex(from);
    if (to.endsWith('/')) out.line(`http-request replace-path ${hq(from.endsWith('/') ? `^${f}/?(.*)$` : `^${f}(?=/|$)/?(.*)$`)} ${hq(hrepl(to) + '\\1')} if ${when}`);
    else if (!from.endsWith('/')) out.line(`http-request replace-path ${hq(`^${f}(?=/|$)(.*)$`)} ${hq(hrepl(to) + '\\1')} if ${when}`);
    else {
      out.line(`http-request replace-path ${hq(`^${f}/?(.*)$`)} ${hq(hrepl(to) + '/\\1')} if ${when}`);
      notes.approx(`${subject}: rewrite replacePrefix`, `the path "${from}" itself becomes "${to}/" rather than "${to}"`);
    }
  }
  if (rw?.regex) {
    const w = wholeSubjectRewrite(rw.regex.pattern, rw.regex.replacement);
    const d = w && toDialect(w.regex, 'pcre');
    if (w === null || d === null || 'problem' in d || w.parts.some((p) => 'group' in p && p.group > 9)) {
      notes.unsupported(`${subject}: rewrite regex`, `${d && 'problem' in d ? d.problem : 'the replacement uses $` / $\' or more than 7 groups'}; the path is sent unchanged`);
    } else {
      const repl = w.parts.map((p) => ('group' in p ? `\\${p.group}` : hrepl(p.text))).join('');
      out.line(`http-request replace-path ${hq(d.source)} ${hq(repl)} if ${when}`);
    }
  }
  if (rw && (rw.stripPrefix || rw.replacePrefix || rw.regex)) notes.exact(`${subject}: rewrite`, 'http-request replace-path (one regex per step)');
  const host = upstreamHostHeader(r, u);
  if (host !== null && 'fixed' in host) out.line(`http-request set-header Host "${hfmt(host.fixed)}" if ${when}`);
  else if (host !== null) {
    out.line(`http-request set-header Host ${targetHostPort(u.targets[0]).hostPort} if ${when}`);
    if (u.targets.length > 1) notes.approx(`${subject}: hostHeader target`, 'HAProxy sets one Host per route: the first target\'s is sent to every target');
  }
  return `be_${u.name}`;
}

function bindTls(l: ListenerPlan, notes: Notes): string {
  const tls = l.tls!;
  let crt: string;
  if (tls.certificates === 'local-ca') {
    crt = ` crt ${HAPROXY_ETC}/${l.name}.pem`;
    notes.approx(`listener ${l.name}: tls local-ca`, `Switchyard's local CA issues certificates on demand; HAProxy reads a placeholder ${HAPROXY_ETC}/${l.name}.pem (certificate and key in one file)`);
  } else {
    crt = tls.certificates.map((c) => ` crt ${hw(c.cert)}`).join('');
    notes.approx(`listener ${l.name}: tls`, 'HAProxy reads each key from the certificate file itself or from "<cert>.key" next to it (Switchyard\'s separate key paths are not read); certificates are chosen by the names inside them' + (tls.certificates.some((c) => c.hosts) ? ' (explicit `hosts` would need a crt-list)' : ''));
  }
  const alpn = l.http2 ? ' alpn h2,http/1.1' : ' alpn http/1.1';
  return ` ssl${crt}${alpn} ssl-min-ver ${tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2'}`;
}

function writeBackend(u: UpstreamPlan, plan: Plan, out: TextBlock, policies: HaproxyPolicies, notes: Notes): void {
  const s = `upstream ${u.name}`;
  out.line('');
  out.line(`backend be_${u.name}`);
  out.indented(() => {
    switch (u.balancer) {
      case 'round-robin':
        out.line('balance roundrobin');
        notes.exact(`${s}: balancer round-robin`, 'balance roundrobin (weights left out, as Switchyard ignores them)');
        break;
      case 'weighted-round-robin':
        out.line('balance roundrobin');
        notes.exact(`${s}: balancer weighted-round-robin`, 'balance roundrobin with server weights');
        break;
      case 'least-connections':
        out.line('balance leastconn');
        notes.exact(`${s}: balancer least-connections`, 'balance leastconn');
        break;
      case 'ip-hash':
        out.line('balance source');
        out.line('hash-type consistent');
        notes.approx(`${s}: balancer ip-hash`, 'balance source (consistent): one client address always reaches one target, not necessarily the one Switchyard picks');
        break;
      case 'consistent-hash': {
        const on = u.hashOn ?? 'ip';
        const name = on.slice(on.indexOf(':') + 1);
        const arg = on === 'ip' ? '' : harg(name, `upstream ${u.name}: hashOn`);
        out.line(on === 'ip' ? 'balance source' : on.startsWith('header:') ? `balance hdr(${arg})` : on.startsWith('cookie:') ? `balance hash req.cook(${arg})` : `balance url_param ${arg}`);
        out.line('hash-type consistent');
        notes.approx(`${s}: balancer consistent-hash on ${on}`, 'hash-type consistent: the same key always reaches one target, but the key→target mapping differs from Switchyard\'s ring');
        break;
      }
      case 'p2c':
        out.line('balance random(2)');
        notes.exact(`${s}: balancer p2c`, 'balance random(2) (power of two choices)');
        break;
      case 'random':
        out.line('balance random(1)');
        notes.exact(`${s}: balancer random`, 'balance random(1) (weighted)');
        break;
    }
    out.line(`timeout connect ${fmtDuration(u.timeouts.connectMs)}`);
    out.line(`timeout server ${fmtDuration(Math.max(u.timeouts.responseMs, u.timeouts.idleMs))}`);
    if (u.timeouts.responseMs !== u.timeouts.idleMs) notes.approx(`${s}: timeouts`, 'HAProxy has one server inactivity timeout: the larger of response and idle');

    if (u.retry && u.retry.attempts > 0) {
      const on = new Set<string>();
      for (const c of u.retry.on) {
        if (c === 'connect-failure') on.add('conn-failure');
        else if (c === 'reset') on.add('empty-response').add('junk-response');
        else if (c === 'timeout') on.add('response-timeout');
        else if ([401, 403, 404, 408, 425, 500, 501, 502, 503, 504].includes(c)) on.add(String(c));
        else notes.unsupported(`${s}: retry on ${c}`, 'HAProxy retry-on accepts 401, 403, 404, 408, 425 and 500-504 only');
      }
      out.line(`retries ${u.retry.attempts}`);
      out.line(`retry-on ${[...on].join(' ')}`);
      out.line('option redispatch 1');
      notes.approx(`${s}: retry`, `retries ${u.retry.attempts}, retry-on ${[...on].join(' ')}, each on another server (redispatch); HAProxy retries any request it still holds in its buffer and has no retry budget`);
    } else out.line('retries 0');

    const hc = u.healthCheck;
    if (hc) {
      out.line(`option httpchk GET ${hw(hc.path)}`);
      if (hc.host) out.line(`http-check send hdr Host "${hfmt(hc.host)}"`);
      out.line(`http-check expect rstatus ${hq(statusRegex(hc.expectStatus))}`);
      out.line(`timeout check ${fmtDuration(hc.timeoutMs)}`);
      notes.exact(`${s}: healthCheck`, `option httpchk GET ${hc.path}, check inter ${fmtDuration(hc.intervalMs)} rise ${hc.healthyAfter} fall ${hc.unhealthyAfter}`);
    }
    if (u.sticky) {
      const ttl = u.sticky.ttlMs !== null ? ` attr "Max-Age=${Math.round(u.sticky.ttlMs / 1000)}"` : '';
      out.line(`cookie ${u.sticky.cookie} insert indirect nocache httponly${ttl}`);
      notes.approx(`${s}: sticky cookie ${u.sticky.cookie}`, 'cookie … insert: the cookie holds the server name instead of Switchyard\'s target hash');
    }
    if (u.outlier) {
      notes.approx(`${s}: outlierDetection`, `observe layer7 error-limit ${u.outlier.consecutiveFailures} on-error mark-down: the server is marked down until a health check (every ${fmtDuration(u.outlier.ejectForMs)} when none is configured) succeeds`);
      noteUncappedEjection(u, s, 'HAProxy', notes);
    }
    const https = u.targets.some((t) => targetHostPort(t).tls);
    if (u.targets.some((t) => targetHostPort(t).tls !== https)) notes.unsupported(`${s}: targets`, 'mixes http:// and https:// targets; every server uses TLS');
    let ssl = '';
    if (https) {
      const tls = u.tls;
      ssl = ` ssl ${tls?.insecure ? 'verify none' : `verify required ca-file ${tls?.ca[0] ? hw(tls.ca[0]) : '@system-ca'}`}${tls?.servername ? ` sni str(${harg(tls.servername, `upstream ${u.name}: tls.servername`)})` : ' sni req.hdr(host),field(1,:)'}${tls?.cert ? ` crt ${hw(tls.cert)}` : ''}${u.http2 ? ' alpn h2,http/1.1' : ''}`;
    }
    const check = hc ? ` check inter ${fmtDuration(hc.intervalMs)} rise ${hc.healthyAfter} fall ${hc.unhealthyAfter}` : u.outlier ? ` check inter ${fmtDuration(u.outlier.ejectForMs)}` : '';
    const observe = u.outlier ? ` observe layer7 error-limit ${u.outlier.consecutiveFailures} on-error mark-down` : '';
    if (u.slowStartMs > 0) {
      notes.approx(`${s}: slowStart`, `slowstart ${fmtDuration(u.slowStartMs)} (applies when a server comes back up after a health check)`);
      out.line(`default-server slowstart ${fmtDuration(u.slowStartMs)}`);
    }
    u.targets.forEach((t, i) => {
      const { hostPort } = targetHostPort(t);
      const weight = u.balancer !== 'round-robin' && t.weight !== 1 ? ` weight ${t.weight}` : '';
      const cookie = u.sticky ? ` cookie t${i + 1}` : '';
      out.line(`server t${i + 1} ${hostPort}${weight}${t.backup ? ' backup' : ''}${check}${observe}${cookie} pool-max-conn ${u.keepAlive.connections}${ssl}`);
    });
    notes.approx(`${s}: keepAlive`, `pool-max-conn ${u.keepAlive.connections} caps idle connections kept per server, not all connections per target`);
    if (u.targets.some((t) => t.backup)) notes.exact(`${s}: backup targets`, 'server … backup');
    for (const line of policies.backendLines(u)) out.line(line);
  });
}
