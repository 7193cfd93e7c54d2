/**
 * Caddy exporter: one Caddyfile (Caddy 2.6+, standard modules only).
 *
 * Each reverse listener is a site block bound to its address. Routes become
 * named matchers and `handle` blocks inside one `route`, which keeps the
 * plan's order (first matching handle wins, the rest are skipped). Paths are
 * matched with `path_regexp` because Caddy's `path` matcher ignores case.
 */
import type { ListenerPlan, Plan, RoutePlan, TargetPlan, UpstreamPlan } from '../config/plan.js';
import { assertExportable } from './shared/export-guard.js';
import { SwitchyardError } from '../errors.js';
import type { Exporter } from './exporter.js';
import { reportComment } from './report.js';
import { CaddyPolicies } from './shared/caddy-policies.js';
import { afterMatcher, assertNoEnvReference, caddyRe, celRegex, cq, cv, cvw, cw } from './shared/caddy-syntax.js';
import { noteUncappedEjection } from './shared/ejection-cap.js';
import { Notes } from './shared/notes.js';
import { fmtDuration, hostRegex, identifiers, pathRegex, reverseListeners, routesOf, targetHostPort, upstreamHostHeader, valueRegex } from './shared/plan-view.js';
import { escapeRegex, greaterThan, portabilityIssue, wholeSubjectRewrite } from './shared/regex.js';
import { inDialect, routeRegexProblem } from './shared/regex-dialect.js';
import { TextBlock } from './shared/text-block.js';

/** Differences every caddy export has, whatever the workspace (they do not fail --strict). */
const CADDY_GENERAL = [
  'error answers: Caddy answers 403/404/502/503 with empty bodies, not RFC 9457 problem JSON; status codes are the same',
  'X-Request-Id: kept when the client sends a valid one; generated ids are UUIDs instead of Switchyard\'s exchange ids',
];

/** Placeholder directory for certificate files the exporter cannot know; tests rewrite it. */
export const CADDY_ETC = '/etc/caddy/switchyard';

export const exportCaddy: Exporter = (plan, opts) => {
  assertExportable(plan, 'caddy');
  const notes = new Notes();
  const out = new TextBlock('\t');
  const ids = identifiers(plan.routes.map((r) => r.name));
  const policies = new CaddyPolicies(plan, notes, opts);
  for (const l of plan.listeners.filter((x) => x.mode === 'forward')) {
    notes.unsupported(`listener ${l.name}`, 'forward-proxy mode needs a plugin (forwardproxy); listener left out');
  }
  notes.exact('forwarding headers', 'X-Forwarded-For (appended), X-Forwarded-Proto/-Host, X-Real-IP, Forwarded and X-Request-Id set as Switchyard sets them; WebSocket upgrades pass natively');
  notes.approx('path matching', 'Caddy matches the percent-decoded, cleaned path (dot segments resolved, repeated slashes merged); only percent-encoded paths can route differently. Unless a route rewrites it, Caddy forwards the path as the client sent it, Switchyard the normalised one');

  const listeners = reverseListeners(plan);
  out.block('', () => {
    out.line('admin off');
    out.line('auto_https disable_redirects');
    for (const l of listeners) {
      out.block(`servers :${l.port}`, () => {
        out.line(`protocols h1${l.tls && l.http2 ? ' h2' : ''}`);
        out.block('timeouts', () => {
          out.line(`read_header ${fmtDuration(l.limits.headersTimeoutMs)}`);
          out.line(`idle ${fmtDuration(l.limits.keepAliveTimeoutMs)}`);
        });
        out.line(`max_header_size ${l.limits.maxHeaderSize}`);
      });
    }
  });
  for (const l of listeners) {
    if (!l.mergeSlashes) notes.approx(`listener ${l.name}: mergeSlashes`, 'Caddy\'s path matchers merge repeated slashes whatever the listener says');
    writeSite(plan, l, ids, out, policies, notes);
  }
  // The global options block has no name: TextBlock writes " {", which Caddy reads as "{".
  const text = out.toString().replace(/^ \{/, '{');
  assertNoEnvReference(text);
  return { target: 'caddy', fileName: 'Caddyfile', notes: notes.list, text: reportComment(notes.list, '#', 'caddy', CADDY_GENERAL) + text };
};

function writeSite(plan: Plan, l: ListenerPlan, ids: Map<string, string>, out: TextBlock, policies: CaddyPolicies, notes: Notes): void {
  out.line('');
  out.block(`${l.tls ? 'https' : 'http'}://:${l.port}`, () => {
    out.line(`bind ${l.host}`);
    if (l.tls) writeTls(l, out, notes);
    if (l.limits.maxBodySize !== null) {
      out.block('request_body', () => out.line(`max_size ${l.limits.maxBodySize}`));
      notes.approx(`listener ${l.name}: limits maxBodySize`, 'Content-Length over the limit → 413; a chunked body over it is cut by request_body max_size and ends in 502');
    }
    if (l.redirectTo !== null) {
      const target = plan.listeners.find((x) => x.name === l.redirectTo)!;
      out.line(`redir https://{host}:${target.port}{uri} 308`);
      notes.approx(`listener ${l.name}: redirectTo`, `every request is redirected with 308 to https://<host>:${target.port}<uri>`);
      return;
    }
    const proto = l.tls ? 'https' : 'http';
    out.line('# Forwarding headers as Switchyard sets them');
    out.block('map {http.request.header.Forwarded} {swy_fwd_prev}', () => out.line(`${cq('~(.+)')} ${cq('${1}, ')}`).line('default ""'));
    out.block('map {http.request.hostport} {swy_fwd_host}', () =>
      out.line(`${cq("~^([!#$%&'*+.^_`|~0-9A-Za-z-]+)$")} ${cq('${1}')}`).line(`${cq('~(.*)')} ${cq('"${1}"')}`),
    );
    out.block('map {remote_host} {swy_fwd_for}', () => out.line(`${cq('~(.*:.*)')} ${cq('"[${1}]"')}`).line(`${cq('~(.*)')} ${cq('${1}')}`));
    out.block('map {http.request.header.X-Request-Id} {swy_request_id}', () =>
      out.line(`${cq('~^([\\x21-\\x7e]{1,200})$')} ${cq('${1}')}`).line('default {http.request.uuid}'),
    );
    const routes = routesOf(plan, l).filter((r) => {
      const problem = routeRegexProblem(r, 're2');
      if (problem) notes.unsupported(`route ${r.name}`, `${problem}; route left out`);
      return problem === null;
    });
    for (const r of routes) writeMatcher(r, ids.get(r.name)!, out, notes);
    const maxBody = l.limits.maxBodySize;
    if (maxBody !== null) out.block('@swy_too_big', () => out.line(`header_regexp Content-Length ${cq(greaterThan(maxBody))}`));
    out.block('route', () => {
      if (maxBody !== null) out.line('respond @swy_too_big 413');
      for (const r of routes) {
        out.block(`handle @${ids.get(r.name)}`, () =>
          out.block('route', () => {
            for (const line of policies.routeLines(r, l)) out.line(line);
            writeAction(r, ids.get(r.name)!, plan, proto, out, notes);
          }),
        );
      }
      out.block('handle', () => out.line('respond 404'));
    });
  });
}

function writeMatcher(r: RoutePlan, id: string, out: TextBlock, notes: Notes): void {
  const m = r.match;
  const lines: string[] = [];
  const host = hostRegex(m);
  if (host !== null) lines.push(`expression ${cq(`{http.request.host}.matches(r'(?i)${celRegex(host)}')`)}`);
  const path = pathRegex(m);
  if (path !== null) {
    if (m.pathRegex) {
      const issue = portabilityIssue(m.pathRegex.source, 're2');
      if (issue) notes.approx(`route ${r.name}: pathRegex`, `the pattern ${issue} (RE2); check that it matches the same paths`);
    }
    lines.push(`path_regexp ${id} ${caddyRe(inDialect(path, 're2'))}`);
  }
  if (m.methods !== null) lines.push(`method ${[...m.methods].join(' ')}`);
  for (const [name, , cond] of m.headers) {
    if ('present' in cond) lines.push(cond.present ? `header ${cw(name)} *` : `not header ${cw(name)} *`);
    else lines.push(`header_regexp ${cw(name)} ${caddyRe(inDialect(valueRegex(cond)!, 're2'))}`);
  }
  if (m.headers.length > 0) notes.approx(`route ${r.name}: headers`, 'Caddy tests the first value of a repeated header; Switchyard tests all values joined with ", "');
  for (const [name, , cond] of m.query) {
    if (name.includes('=')) throw new SwitchyardError('CONFIG_INVALID', `cannot export to caddy: route ${r.name}: match.query name ${JSON.stringify(name)} contains "=", which Caddy's query matcher reads as the end of the name`);
    if ('equals' in cond) lines.push(`query ${cv(`${name}=${cond.equals}`)}`);
    else if ('present' in cond && cond.present) lines.push(`query ${cvw(`${name}=*`)}`);
    else if ('present' in cond) lines.push(`not query ${cvw(`${name}=*`)}`);
    else {
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new SwitchyardError('CONFIG_INVALID', `cannot export to caddy: route ${r.name}: match.query name ${JSON.stringify(name)} cannot be written as a Caddy placeholder (letters, digits, ".", "_" and "-" only)`);
      lines.push(`expression ${cq(`{http.request.uri.query.${name}}.matches(r'${celRegex(inDialect(cond.regex, 're2'))}')`)}`);
    }
  }
  if (lines.length === 0) lines.push('path *');
  out.block(`@${id}`, () => lines.forEach((x) => out.line(x)));
}

function writeAction(r: RoutePlan, id: string, plan: Plan, proto: string, out: TextBlock, notes: Notes): void {
  const subject = `route ${r.name}`;
  const a = r.action;
  if (a.kind === 'respond') {
    for (const [k, v] of Object.entries(a.headers)) out.line(`header ${cw(k)} ${cv(v)}`);
    out.line(a.body.length > 0 ? `respond ${afterMatcher(a.body.toString('utf8'), cv(a.body.toString('utf8')))} ${a.status}` : `respond ${a.status}`);
    if (a.body.length > 0 && !Object.keys(a.headers).some((k) => k.toLowerCase() === 'content-type')) {
      notes.approx(`${subject}: respond`, 'Caddy may add a sniffed Content-Type to a body without one');
    } else notes.exact(`${subject}: respond`, `respond ${a.status}`);
    return;
  }
  if (a.kind === 'redirect') {
    // Switchyard's own {path}/{query}/{host} and captures become placeholders; any other brace is text.
    const to = a.to.replace(/\$(\d+)|\$<([A-Za-z_][A-Za-z0-9_]*)>|\{(path|query|host)\}|[{}]/g, (m: string, n?: string, name?: string, v?: string) => {
      if (n !== undefined || name !== undefined) return `{re.${id}.${n ?? name}}`;
      if (v !== undefined) return v === 'path' ? '{http.request.uri.path}' : v === 'query' ? '{?query}' : '{host}';
      return '\\' + m;
    });
    out.line(`redir ${afterMatcher(to, cq(to))} ${a.status}`);
    if (a.to.includes('{path}')) notes.approx(`${subject}: redirect`, '{path} is the decoded path in Caddy');
    else notes.exact(`${subject}: redirect`, `redir ${a.status}`);
    return;
  }
  const u = plan.upstreams.get(a.upstream);
  if (!u) return;
  writeRewrite(r, out, notes);
  writeProxy(r, u, proto, out, notes);
}

function writeRewrite(r: RoutePlan, out: TextBlock, notes: Notes): void {
  const rw = r.rewrite;
  if (!rw) return;
  const subject = `route ${r.name}: rewrite`;
  if (rw.stripPrefix) {
    const p = escapeRegex(rw.stripPrefix);
    out.line(`uri path_regexp ${caddyRe(rw.stripPrefix.endsWith('/') ? `^${p}/?(.*)$` : `^${p}(?:/|$)(.*)$`)} /$1`);
  }
  if (rw.replacePrefix) {
    const { from, to } = rw.replacePrefix;
    const f = escapeRegex(from);
    // The replacement is expanded by Go's regexp ($ starts a group) and by Caddy's replacer ({…}).
    const lit = (s: string) => s.replace(/\$/g, '$$$$');
    if (to.endsWith('/')) out.line(`uri path_regexp ${caddyRe(from.endsWith('/') ? `^${f}/?(.*)$` : `^${f}(?:/|$)(.*)$`)} ${cv(lit(to) + '$1')}`);
    else if (!from.endsWith('/')) out.line(`uri path_regexp ${caddyRe(`^${f}((?:/.*)?)$`)} ${cv(lit(to) + '$1')}`);
    else {
      out.line(`uri path_regexp ${caddyRe(`^${f}/?(.*)$`)} ${cv(lit(to) + '/$1')}`);
      notes.approx(`${subject} replacePrefix`, `the path "${from}" itself becomes "${to}/" rather than "${to}"`);
    }
  }
  if (rw.regex) {
    const w = wholeSubjectRewrite(rw.regex.pattern, rw.regex.replacement);
    const issue = portabilityIssue(rw.regex.pattern.source, 're2');
    // Caddy expands {…} placeholders in the replacement, so groups are written $N, never ${N}:
    // that is unambiguous only when no letter, digit or "_" follows.
    const ambiguous = w?.parts.some((p, i) => 'group' in p && /^[A-Za-z0-9_]/.test((w.parts[i + 1] as { text?: string } | undefined)?.text ?? ''));
    if (w === null || issue || ambiguous) {
      notes.unsupported(`${subject} regex`, `${issue ? `the pattern ${issue}` : ambiguous ? 'a group reference is followed by a letter or digit, which Caddy would read as part of the group name' : 'the replacement uses $` or $\''}; the path is sent unchanged`);
    } else out.line(`uri path_regexp ${caddyRe(inDialect(w.regex, 're2'))} ${cv(w.parts.map((p) => ('group' in p ? `$${p.group}` : p.text.replace(/\$/g, '$$$$'))).join(''))}`);
  }
  if (rw.stripPrefix || rw.replacePrefix || rw.regex) notes.exact(subject, 'uri path_regexp (one regex per step)');
}

function writeProxy(r: RoutePlan, u: UpstreamPlan, proto: string, out: TextBlock, notes: Notes): void {
  const s = `upstream ${u.name}`;
  const hashes = u.balancer !== 'round-robin' && u.balancer !== 'least-connections' && u.balancer !== 'weighted-round-robin';
  let targets = u.targets;
  if (targets.some((t) => t.backup)) {
    targets = targets.filter((t) => !t.backup);
    notes.unsupported(`${s}: backup targets`, 'Caddy has no backup servers (lb_policy first is a different policy); backup targets left out, so failover reaches only the other primaries');
  }
  const https = targets.some((t) => targetHostPort(t).tls);
  const entries = caddyEntries(u.balancer, targets);
  out.block(`reverse_proxy ${entries.map((t) => `${https ? 'https://' : ''}${targetHostPort(t).hostPort}`).join(' ')}`, () => {
    const stickyCookie = u.sticky !== null && !hashes;
    if (stickyCookie) out.line(`lb_policy cookie ${u.sticky!.cookie}`);
    else switch (u.balancer) {
      case 'round-robin':
        out.line('lb_policy round_robin');
        notes.exact(`${s}: balancer round-robin`, 'lb_policy round_robin');
        break;
      case 'weighted-round-robin':
        out.line('lb_policy round_robin');
        if (entries.length > targets.length) {
          notes.approx(`${s}: balancer weighted-round-robin`, 'Caddy 2.6 has no weights: each target is listed weight/gcd times, so the shares are the same but a target\'s turns come in runs rather than smoothly interleaved');
        } else if (targets.some((t) => t.weight !== targets[0].weight)) {
          notes.approx(`${s}: balancer weighted-round-robin`, 'Caddy 2.6 has no weighted round robin and the weights are too fine to repeat targets: targets share traffic equally (weights ignored)');
        } else notes.exact(`${s}: balancer weighted-round-robin`, 'lb_policy round_robin (all weights equal)');
        break;
      case 'least-connections':
        out.line('lb_policy least_conn');
        notes.approx(`${s}: balancer least-connections`, 'lb_policy least_conn ignores weights');
        break;
      case 'ip-hash':
        out.line('lb_policy ip_hash');
        notes.approx(`${s}: balancer ip-hash`, 'lb_policy ip_hash: one client address always reaches one target, not necessarily the one Switchyard picks');
        break;
      case 'consistent-hash': {
        const on = u.hashOn ?? 'ip';
        const name = on.slice(on.indexOf(':') + 1);
        if (on === 'ip') out.line('lb_policy ip_hash');
        else if (on.startsWith('header:')) out.line(`lb_policy header ${name}`);
        else if (on.startsWith('cookie:')) out.line(`lb_policy cookie ${name}`);
        else out.line('lb_policy uri_hash');
        notes.approx(`${s}: balancer consistent-hash on ${on}`, `the same key reaches one target (rendezvous hashing), but not necessarily Switchyard's${on.startsWith('query:') ? '; uri_hash hashes the whole URI, not one parameter' : ''}${on.startsWith('cookie:') ? '; lb_policy cookie also sets the cookie when missing' : ''}`);
        break;
      }
      case 'p2c':
        out.line('lb_policy random_choose 2');
        notes.approx(`${s}: balancer p2c`, 'lb_policy random_choose 2 (power of two choices, unweighted)');
        break;
      case 'random':
        out.line('lb_policy random');
        notes.approx(`${s}: balancer random`, 'lb_policy random ignores weights');
        break;
    }
    if (u.sticky) {
      if (hashes) notes.unsupported(`${s}: sticky`, 'Caddy has one lb_policy: the hash balancer is kept and cookie stickiness left out');
      else {
        notes.approx(`${s}: sticky cookie ${u.sticky.cookie}`, `lb_policy cookie (an HMAC of the target; falls back to random rather than ${u.balancer} for new clients${u.sticky.ttlMs !== null ? '; session cookie, no ttl' : ''})`);
      }
    }
    const hc = u.healthCheck;
    if (hc) {
      out.line(`health_uri ${cw(hc.path)}`);
      out.line(`health_interval ${fmtDuration(hc.intervalMs)}`);
      out.line(`health_timeout ${fmtDuration(hc.timeoutMs)}`);
      const single = hc.expectStatus.length === 1 && hc.expectStatus[0][0] === hc.expectStatus[0][1];
      const klass = hc.expectStatus.length === 1 && hc.expectStatus[0][0] % 100 === 0 && hc.expectStatus[0][1] === hc.expectStatus[0][0] + 99;
      if (single || klass) out.line(`health_status ${single ? hc.expectStatus[0][0] : `${hc.expectStatus[0][0] / 100}xx`}`);
      const checkHost = hc.host;
      if (checkHost !== null) out.block('health_headers', () => out.line(`Host ${cvw(checkHost)}`));
      notes.approx(`${s}: healthCheck`, `health_uri ${hc.path} every ${fmtDuration(hc.intervalMs)}; Caddy 2.6 flips a target after one check (healthyAfter/unhealthyAfter not expressible)${single || klass ? '' : '; expected status is Caddy\'s default (2xx/3xx-like success) instead of the exact list'}`);
    }
    if (u.outlier) {
      out.line(`fail_duration ${fmtDuration(u.outlier.ejectForMs)}`);
      out.line(`max_fails ${u.outlier.consecutiveFailures}`);
      notes.approx(`${s}: outlierDetection`, 'fail_duration/max_fails count failures within the window, not consecutive ones');
      noteUncappedEjection(u, s, 'Caddy', notes);
    }
    if (u.retry && u.retry.attempts > 0) {
      out.line(`lb_try_duration ${fmtDuration(u.timeouts.connectMs * (u.retry.attempts + 1))}`);
      out.line('lb_try_interval 0');
      notes.approx(`${s}: retry`, 'lb_try_duration: Caddy retries only when it cannot connect (GET-like requests), not on 502/503/504 responses, and bounds retries by time');
    }
    if (u.keepAlive) notes.approx(`${s}: keepAlive`, `keepalive_idle_conns_per_host ${u.keepAlive.connections} caps idle connections, not all connections per target`);
    out.line('trusted_proxies 0.0.0.0/0 ::/0');
    out.line(`header_up X-Forwarded-Proto ${proto}`);
    out.line('header_up X-Forwarded-Host {http.request.hostport}');
    out.line('header_up X-Real-IP {remote_host}');
    out.line(`header_up Forwarded ${cq(`{swy_fwd_prev}for={swy_fwd_for};host={swy_fwd_host};proto=${proto}`)}`);
    out.line('header_up X-Request-Id {swy_request_id}');
    const host = upstreamHostHeader(r, u);
    if (host !== null && 'fixed' in host) out.line(`header_up Host ${cv(host.fixed)}`);
    else if (host !== null) out.line('header_up Host {upstream_hostport}');
    out.block('transport http', () => {
      out.line(`dial_timeout ${fmtDuration(u.timeouts.connectMs)}`);
      out.line(`response_header_timeout ${fmtDuration(u.timeouts.responseMs)}`);
      out.line(`keepalive ${fmtDuration(u.keepAlive.idleTimeoutMs)}`);
      out.line(`keepalive_idle_conns_per_host ${u.keepAlive.connections}`);
      if (https) {
        const tls = u.tls;
        out.line('tls');
        if (tls?.insecure) out.line('tls_insecure_skip_verify');
        if (tls && tls.ca.length > 0) out.line(`tls_trusted_ca_certs ${tls.ca.map(cw).join(' ')}`);
        if (tls?.servername) out.line(`tls_server_name ${cw(tls.servername)}`);
        if (tls?.cert && tls.key) out.line(`tls_client_auth ${cw(tls.cert)} ${cw(tls.key)}`);
        if (u.http2) out.line('versions h2 1.1');
      }
    });
    if (u.timeouts.idleMs !== 60_000) notes.approx(`${s}: timeouts idle`, 'Caddy has no timeout for silences inside a response body');
  });
}

/** Upstream entries: weighted round robin repeats each target weight/gcd times (Caddy 2.6 has no weights), up to 100 entries. */
function caddyEntries(balancer: string, targets: readonly TargetPlan[]): readonly TargetPlan[] {
  if (balancer !== 'weighted-round-robin') return targets;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = targets.reduce((acc, t) => gcd(acc, t.weight), 0);
  const total = targets.reduce((acc, t) => acc + t.weight / g, 0);
  if (total > 100) return targets;
  return targets.flatMap((t) => new Array<TargetPlan>(t.weight / g).fill(t));
}

function writeTls(l: ListenerPlan, out: TextBlock, notes: Notes): void {
  const tls = l.tls!;
  const protocols = `protocols ${tls.minVersion === 'TLSv1.3' ? 'tls1.3' : 'tls1.2'} tls1.3`;
  if (tls.certificates === 'local-ca') {
    out.block('tls internal', () => out.line(protocols));
    notes.approx(`listener ${l.name}: tls local-ca`, 'tls internal: Caddy\'s own local CA issues the certificates (trust its root instead of Switchyard\'s)');
    return;
  }
  const [first, ...rest] = tls.certificates;
  out.block(`tls ${cw(first.cert)} ${cw(first.key)}`, () => {
    out.line(protocols);
    for (const c of rest) out.line(`load ${cw(c.cert.slice(0, c.cert.lastIndexOf('/') + 1) || '.')}`);
  });
  if (rest.length > 0) notes.approx(`listener ${l.name}: tls`, 'extra certificates are loaded from their folders (load) and chosen by the names inside them');
  else notes.exact(`listener ${l.name}: tls`, 'tls cert key');
  if (l.http2) notes.exact(`listener ${l.name}: http2`, 'protocols h1 h2');
}
