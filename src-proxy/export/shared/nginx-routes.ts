/** The body of a route's named location: rewrite, forwarding headers, retries, timeouts and proxy_pass; or a fixed answer. */
import type { ListenerPlan, RewritePlan, RoutePlan, UpstreamPlan } from '../../config/plan.js';
import { nginxPlain, nginxRegex, nginxString, nginxTemplate, nginxValue } from './nginx-syntax.js';
import type { Notes } from './notes.js';
import { fmtDuration, targetHostPort, upstreamHostHeader } from './plan-view.js';
import { escapeRegex, wholeSubjectRewrite } from './regex.js';
import { inDialect, toDialect } from './regex-dialect.js';
import type { TextBlock } from './text-block.js';

const NGINX_RETRY_STATUSES = new Set([500, 502, 503, 504, 403, 404, 429]);

export function nginxRouteAction(
  r: RoutePlan,
  u: UpstreamPlan | undefined,
  l: ListenerPlan,
  out: TextBlock,
  notes: Notes,
  state: { usesDollar: boolean },
): void {
  const subject = `route ${r.name}`;
  const a = r.action;
  if (a.kind === 'respond') {
    writeRespond(r, a.status, a.body, a.headers, out, notes, state);
    return;
  }
  if (a.kind === 'redirect') {
    writeRedirect(r, a.to, a.status, out, notes, state);
    return;
  }
  if (!u) return;
  if (r.rewrite && (r.rewrite.stripPrefix !== null || r.rewrite.replacePrefix !== null || r.rewrite.regex !== null)) writeRewrite(r.rewrite, subject, out, notes, state);
  if (r.rewrite?.host) notes.exact(`${subject}: rewrite host`, 'proxy_set_header Host');

  const host = upstreamHostHeader(r, u);
  if (host === null) out.line('proxy_set_header Host $http_host;');
  else if ('fixed' in host) out.line(`proxy_set_header Host ${nginxString(host.fixed, state)};`);
  else {
    out.line(`proxy_set_header Host ${targetHostPort(u.targets[0]).hostPort};`);
    if (u.targets.length > 1) notes.approx(`${subject}: hostHeader target`, `nginx sets one Host per location: ${targetHostPort(u.targets[0]).hostPort} (the first target's) is sent to every target`);
  }
  out.line('proxy_set_header Connection $swy_connection;');
  out.line('proxy_set_header Upgrade $http_upgrade;');
  out.line('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
  out.line('proxy_set_header X-Forwarded-Proto $scheme;');
  out.line('proxy_set_header X-Forwarded-Host $http_host;');
  out.line('proxy_set_header X-Real-IP $remote_addr;');
  out.line('proxy_set_header Forwarded "${swy_forwarded_prev}for=$swy_forwarded_for;host=$swy_forwarded_host;proto=$scheme";');
  out.line('proxy_set_header X-Request-Id $swy_request_id;');

  out.line(`proxy_connect_timeout ${fmtDuration(u.timeouts.connectMs)};`);
  const read = Math.max(u.timeouts.responseMs, u.timeouts.idleMs);
  out.line(`proxy_read_timeout ${fmtDuration(read)};`);
  out.line(`proxy_send_timeout ${fmtDuration(u.timeouts.idleMs)};`);
  if (u.timeouts.responseMs !== u.timeouts.idleMs) {
    notes.approx(`upstream ${u.name}: timeouts`, `nginx has one read timeout for the wait for headers and for silences in the body: proxy_read_timeout ${fmtDuration(read)} (the larger of response and idle)`);
  }

  if (u.retry === null || u.retry.attempts === 0) out.line('proxy_next_upstream off;');
  else {
    const on = new Set<string>();
    for (const c of u.retry.on) {
      if (c === 'connect-failure' || c === 'reset') on.add('error');
      else if (c === 'timeout') on.add('timeout');
      else if (NGINX_RETRY_STATUSES.has(c)) on.add(`http_${c}`);
      else notes.unsupported(`upstream ${u.name}: retry on ${c}`, 'nginx can only retry on 500, 502, 503, 504, 403, 404 and 429');
    }
    out.line(`proxy_next_upstream ${[...on].join(' ')};`);
    out.line(`proxy_next_upstream_tries ${u.retry.attempts + 1};`);
    notes.approx(`upstream ${u.name}: retry`, `proxy_next_upstream ${[...on].join(' ')} with ${u.retry.attempts + 1} tries; a non-idempotent method only after a connection error (nothing sent), as in Switchyard; idempotent requests with a body of any size (nginx buffers the whole body; Switchyard keeps up to retry.bodyBuffer); no retry budget`);
  }

  const https = u.targets.some((t) => targetHostPort(t).tls);
  if (https) writeUpstreamTls(u, out, notes, state);
  out.line(`proxy_pass ${https ? 'https' : 'http'}://${u.name};`);
  void l;
}

function writeUpstreamTls(u: UpstreamPlan, out: TextBlock, notes: Notes, state: { usesDollar: boolean }): void {
  const tls = u.tls;
  out.line('proxy_ssl_server_name on;');
  if (tls?.servername) out.line(`proxy_ssl_name ${nginxValue(tls.servername, state)};`);
  if (tls?.insecure) out.line('proxy_ssl_verify off;');
  else {
    out.line('proxy_ssl_verify on;');
    out.line(`proxy_ssl_trusted_certificate ${nginxPlain(tls?.ca[0] ?? '/etc/ssl/certs/ca-certificates.crt')};`);
    if (tls && tls.ca.length > 0) notes.approx(`upstream ${u.name}: tls ca`, 'nginx trusts only the given CA file, not the system store as well' + (tls.ca.length > 1 ? '; only the first file is used: concatenate them' : ''));
  }
  if (tls?.cert && tls.key) out.line(`proxy_ssl_certificate ${nginxValue(tls.cert, state)};`).line(`proxy_ssl_certificate_key ${nginxValue(tls.key, state)};`);
  if (u.http2) notes.approx(`upstream ${u.name}: http2`, 'nginx proxies with HTTP/1.1 only');
}

/** Each step is one regex, so steps never chain into each other by accident; `break` ends rewriting in the named location. */
function writeRewrite(rw: RewritePlan, subject: string, out: TextBlock, notes: Notes, state: { usesDollar: boolean }): void {
  // Text from the workspace is literal: a "$" in it must not name an nginx variable.
  const lit = (s: string) => (s.includes('$') ? ((state.usesDollar = true), s.replace(/\$/g, '${swy_dollar}')) : s);
  if (rw.stripPrefix !== null) {
    const p = rw.stripPrefix;
    if (p.endsWith('/')) out.line(`rewrite ${nginxRegex(`^${escapeRegex(p)}/?(.*)$`)} /$1;`);
    else out.line(`rewrite ${nginxRegex(`^${escapeRegex(p)}(?=/|$)/?(.*)$`)} /$1;`);
  }
  if (rw.replacePrefix !== null) {
    const { from, to } = rw.replacePrefix;
    const f = escapeRegex(from);
    if (to.endsWith('/')) out.line(`rewrite ${nginxRegex(from.endsWith('/') ? `^${f}/?(.*)$` : `^${f}(?=/|$)/?(.*)$`)} ${nginxTemplate(lit(to) + '$1')};`);
    else if (!from.endsWith('/')) out.line(`rewrite ${nginxRegex(`^${f}(?=/|$)(.*)$`)} ${nginxTemplate(lit(to) + '$1')};`);
    else {
      out.line(`rewrite ${nginxRegex(`^${f}/?(.*)$`)} ${nginxTemplate(lit(to) + '/$1')};`);
      notes.approx(`${subject}: rewrite replacePrefix`, `the path "${from}" itself becomes "${to}/" rather than "${to}"`);
    }
  }
  if (rw.regex !== null) {
    const w = wholeSubjectRewrite(rw.regex.pattern, rw.regex.replacement);
    const d = w && toDialect(w.regex, 'pcre');
    if (w === null || d === null || 'problem' in d || w.parts.some((p) => 'group' in p && p.group > 9)) {
      notes.unsupported(`${subject}: rewrite regex`, `${d && 'problem' in d ? d.problem : 'the replacement uses $` / $\' or more than 7 groups, which nginx rewrite cannot express'}; the path is sent unchanged`);
    } else {
      const repl = w.parts.map((p) => ('group' in p ? `$${p.group}` : lit(p.text))).join('');
      out.line(`rewrite ${nginxRegex(d.source)} ${nginxTemplate(repl)};`);
    }
  }
  out.line('break;');
  notes.exact(`${subject}: rewrite`, 'rewrite … (one regex per step) then break');
}

function writeRespond(
  r: RoutePlan,
  status: number,
  body: Buffer,
  headers: Readonly<Record<string, string>>,
  out: TextBlock,
  notes: Notes,
  state: { usesDollar: boolean },
): void {
  const subject = `route ${r.name}: respond`;
  let contentType: string | null = null;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === 'content-type') contentType = v;
    else out.line(`add_header ${nginxPlain(k)} ${nginxString(v, state)} always;`);
  }
  out.line(`default_type ${nginxString(contentType ?? '', state)};`);
  if (status >= 301 && status <= 308 && status !== 304 && status !== 305 && status !== 306) {
    out.line(`return ${status};`);
    notes.approx(subject, `nginx treats the text of return ${status} as a redirect target; the body is left out`);
    return;
  }
  out.line(body.length > 0 ? `return ${status} ${nginxString(body.toString('utf8'), state)};` : `return ${status};`);
  if (contentType === null) notes.approx(subject, 'Switchyard sends no Content-Type for a respond without one; nginx sends none either but may add its default type');
  else notes.exact(subject, `return ${status} with the body and headers`);
  if (r.policies.length > 0) notes.approx(`route ${r.name}: policies`, 'nginx answers `return` before access checks (allow/deny, auth_basic, limit_req), so those policies do not guard this fixed response');
}

function writeRedirect(r: RoutePlan, to: string, status: number, out: TextBlock, notes: Notes, state: { usesDollar: boolean }): void {
  const subject = `route ${r.name}: redirect`;
  let usesCaptures = false;
  // Captures and {path}/{query}/{host} become nginx variables; any other "$" is text.
  const target = to.replace(/\$(\d+)|\$<([A-Za-z_][A-Za-z0-9_]*)>|\{(path|query|host)\}|\$/g, (m: string, n?: string, name?: string, v?: string) => {
    if (n !== undefined || name !== undefined) {
      usesCaptures = true;
      return n !== undefined ? `$${n}` : `\${${name}}`;
    }
    if (v !== undefined) return v === 'path' ? '$uri' : v === 'query' ? '$is_args$args' : '$host';
    state.usesDollar = true;
    return '${swy_dollar}';
  });
  // nginx turns a relative Location into an absolute URL (its own scheme, host and port); Switchyard sends it as written.
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(to)) out.line('absolute_redirect off;');
  if (usesCaptures && r.match.pathRegex) {
    out.block(`if ($uri ~ ${nginxRegex(inDialect(r.match.pathRegex.source, 'pcre'))})`, () => out.line(`return ${status} ${nginxTemplate(target)};`));
    out.line('return 404;');
  } else out.line(`return ${status} ${nginxTemplate(target)};`);
  if (to.includes('{path}')) notes.approx(subject, '{path} becomes $uri, the decoded path: percent-encoded characters are sent decoded');
  else notes.exact(subject, `return ${status}`);
}
