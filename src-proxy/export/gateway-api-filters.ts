/** HTTPRoute filters for a route: rewrites, redirects and header policies (part of the Gateway API exporter). */
import type { Plan, RoutePlan } from '../config/plan.js';
import { securityHeaders } from './envoy-policies.js';
import type { NoteLog } from './translate.js';

type Json = Record<string, unknown>;

const pairs = (m: Record<string, string> | undefined) => Object.entries(m ?? {}).map(([name, value]) => ({ name, value }));

/** The filters, or null when the route cannot be exported (reported). */
export function gatewayFilters(plan: Plan, r: RoutePlan, notes: NoteLog): Json[] | null {
  const subject = `route ${r.name}`;
  const filters: Json[] = [];
  const m = r.match;
  const a = r.action;
  if (a.kind === 'redirect') {
    const redirect = requestRedirect(a.to, a.status);
    if (!redirect) {
      notes.unsupported(subject, `redirect target "${a.to}" cannot be built by RequestRedirect (captures, {query} or {host} templates); route left out`);
      return null;
    }
    filters.push({ type: 'RequestRedirect', requestRedirect: redirect });
    // RequestRedirect always keeps the query; Switchyard keeps it only through {query}.
    if (!a.to.endsWith('?{query}')) notes.approx(`${subject}: redirect query`, 'RequestRedirect keeps the request\'s query string; Switchyard\'s target drops it');
    if (a.status !== 301 && a.status !== 302) notes.approx(subject, `RequestRedirect with status ${a.status === 308 ? 301 : 302} (the standard channel allows 301 and 302; Switchyard ${a.status})`);
    else notes.exact(subject, `RequestRedirect ${a.status}`);
  }
  const rw = r.rewrite;
  if (rw) {
    const rewrite: Json = {};
    if (rw.regex) {
      notes.unsupported(subject, 'regex path rewrites are not in the Gateway API; route left out');
      return null;
    }
    if (rw.stripPrefix && rw.replacePrefix) {
      notes.unsupported(subject, 'stripPrefix and replacePrefix together cannot be one URLRewrite; route left out');
      return null;
    }
    const prefix = rw.stripPrefix !== null ? { from: rw.stripPrefix, to: '/' } : rw.replacePrefix;
    if (prefix) {
      // ReplacePrefixMatch replaces the matched PathPrefix, so the rewrite must start within it.
      if (m.path === null || m.exact || !m.path.startsWith(prefix.from)) {
        notes.unsupported(subject, 'URLRewrite ReplacePrefixMatch needs a path-prefix match that starts with the rewritten prefix; route left out');
        return null;
      }
      const rest = m.path.slice(prefix.from.length);
      const value = (prefix.to.endsWith('/') && rest.startsWith('/') ? prefix.to.slice(0, -1) : prefix.to) + rest || '/';
      rewrite.path = { type: 'ReplacePrefixMatch', replacePrefixMatch: value };
      notes.exact(`${subject}: rewrite`, `URLRewrite ReplacePrefixMatch ${m.path} → ${value}`);
    }
    if (rw.host) rewrite.hostname = rw.host;
    if (Object.keys(rewrite).length) filters.push({ type: 'URLRewrite', urlRewrite: rewrite });
  }
  if (a.kind === 'proxy') {
    const u = plan.upstreams.get(a.upstream);
    if (u && typeof u.hostHeader === 'object' && !rw?.host) {
      filters.push({ type: 'URLRewrite', urlRewrite: { hostname: u.hostHeader.fixed } });
      notes.exact(`upstream ${u.name}: host header`, `URLRewrite hostname ${u.hostHeader.fixed}`);
    }
  }
  const tls = plan.listeners.some((l) => l.tls !== null && (r.listeners === null || r.listeners.has(l.name)));
  for (const name of r.policies) {
    const p = plan.policies.get(name);
    if (!p) continue;
    const psub = `${subject}: policy ${name} (${p.type})`;
    if (p.type !== 'headers') {
      notes.unsupported(psub, `the Gateway API standard channel has no equivalent of the ${p.type} policy (use your implementation's policy resources); not exported`);
      continue;
    }
    const mod = (o: NonNullable<typeof p.request>, extraSet: Record<string, string>) => ({
      ...(Object.keys({ ...o.set, ...extraSet }).length ? { set: pairs({ ...o.set, ...extraSet }) } : {}),
      ...(o.add ? { add: pairs(o.add) } : {}),
      ...(o.remove?.length ? { remove: o.remove } : {}),
    });
    if (p.request) filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: mod(p.request, {}) });
    const sec = securityHeaders(p, tls);
    if (p.response || Object.keys(sec).length) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: mod(p.response ?? {}, sec) });
    if (p.request?.rename || p.response?.rename) notes.unsupported(psub, 'header rename is not in the Gateway API; renames left out (the other changes are exported)');
    else notes.exact(psub, 'RequestHeaderModifier / ResponseHeaderModifier');
  }
  return filters;
}

function requestRedirect(to: string, status: number): Json | null {
  const m = /^(?:(https?):\/\/(\{host\}(?::\d+)?|[^/?{]+))?([^?]*)(\?\{query\})?$/.exec(to);
  if (!m || to.includes('$')) return null;
  const [, scheme, authority, path] = m;
  const out: Json = { statusCode: status === 301 || status === 308 ? 301 : 302 };
  if (scheme) out.scheme = scheme;
  const keepHost = authority ? /^\{host\}(?::(\d+))?$/.exec(authority) : null;
  if (keepHost?.[1]) out.port = Number(keepHost[1]);
  else if (authority && !keepHost) {
    if (/[{}]/.test(authority)) return null;
    const [host, port] = authority.split(':');
    out.hostname = host;
    if (port) out.port = Number(port);
  }
  if (path && path !== '{path}') {
    if (/[{}]/.test(path)) return null;
    out.path = { type: 'ReplaceFullPath', replaceFullPath: path };
  }
  return out;
}
