/**
 * Values no export can carry faithfully are refused before any config is
 * written: a header name that is not an HTTP token, or a control character
 * (CR, LF, NUL, …) in a host, path, header value, redirect target or file
 * path. Switchyard itself could never send or match such a value, and in a
 * line-based config a newline would end the directive and start another one
 * the workspace did not ask for. The error names the route, upstream,
 * listener or policy and the field.
 */
import type { Plan } from '../../config/plan.js';
import { SwitchyardError } from '../../errors.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused (tab is allowed in header values)
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

class Guard {
  readonly problems: string[] = [];
  headerName(where: string, name: string): void {
    if (!TOKEN.test(name)) this.problems.push(`${where}: header name ${JSON.stringify(name)} is not an HTTP token`);
  }
  text(where: string, value: string | null | undefined): void {
    if (value !== null && value !== undefined && CONTROL.test(value)) this.problems.push(`${where}: ${JSON.stringify(value)} contains a control character (CR, LF, NUL…)`);
  }
}

/** Throws CONFIG_INVALID listing every value of the plan that cannot be exported. */
export function assertExportable(plan: Plan, target: string): void {
  const g = new Guard();
  for (const l of plan.listeners) {
    if (l.tls && l.tls.certificates !== 'local-ca') {
      l.tls.certificates.forEach((c, i) => {
        g.text(`listener ${l.name}: tls.certificates[${i}].cert`, c.cert);
        g.text(`listener ${l.name}: tls.certificates[${i}].key`, c.key);
        for (const h of c.hosts ?? []) g.text(`listener ${l.name}: tls.certificates[${i}].hosts`, h);
      });
    }
  }
  for (const r of plan.routes) {
    const s = `route ${r.name}`;
    const m = r.match;
    for (const h of [...(m.hosts ?? []), ...m.hostSuffixes]) g.text(`${s}: match.host`, h);
    g.text(`${s}: match.path`, m.path);
    for (const [name, , c] of m.headers) {
      g.headerName(`${s}: match.headers`, name);
      if ('equals' in c) g.text(`${s}: match.headers.${name}`, c.equals);
    }
    for (const [name, , c] of m.query) {
      g.text(`${s}: match.query`, name);
      if ('equals' in c) g.text(`${s}: match.query.${name}`, c.equals);
    }
    const rw = r.rewrite;
    if (rw) {
      g.text(`${s}: rewrite.stripPrefix`, rw.stripPrefix);
      g.text(`${s}: rewrite.replacePrefix.from`, rw.replacePrefix?.from);
      g.text(`${s}: rewrite.replacePrefix.to`, rw.replacePrefix?.to);
      g.text(`${s}: rewrite.regex.replacement`, rw.regex?.replacement);
      g.text(`${s}: rewrite.host`, rw.host);
    }
    const a = r.action;
    if (a.kind === 'respond') {
      for (const [k, v] of Object.entries(a.headers)) {
        g.headerName(`${s}: respond.headers`, k);
        g.text(`${s}: respond.headers.${k}`, v);
      }
    } else if (a.kind === 'redirect') g.text(`${s}: redirect.to`, a.to);
  }
  for (const u of plan.upstreams.values()) {
    const s = `upstream ${u.name}`;
    if (typeof u.hostHeader === 'object') g.text(`${s}: hostHeader`, u.hostHeader.fixed);
    g.text(`${s}: healthCheck.path`, u.healthCheck?.path);
    g.text(`${s}: healthCheck.host`, u.healthCheck?.host);
    if (u.tls) {
      u.tls.ca.forEach((f, i) => g.text(`${s}: tls.ca[${i}]`, f));
      g.text(`${s}: tls.servername`, u.tls.servername);
      g.text(`${s}: tls.cert`, u.tls.cert);
      g.text(`${s}: tls.key`, u.tls.key);
    }
  }
  for (const [name, p] of plan.policies) {
    const s = `policy ${name}`;
    if (p.type === 'headers') {
      for (const [side, ops] of [['request', p.request], ['response', p.response]] as const) {
        if (!ops) continue;
        for (const [k, v] of Object.entries({ ...ops.add, ...ops.set })) {
          g.headerName(`${s}: ${side} headers`, k);
          g.text(`${s}: ${side}.${k}`, v);
        }
        for (const k of ops.remove ?? []) g.headerName(`${s}: ${side}.remove`, k);
        for (const [from, to] of Object.entries(ops.rename ?? {})) {
          g.headerName(`${s}: ${side}.rename`, from);
          g.headerName(`${s}: ${side}.rename`, to);
        }
      }
    } else if (p.type === 'cors') {
      for (const h of [...(p.headers ?? []), ...(p.exposeHeaders ?? [])]) g.headerName(`${s}: headers`, h);
      for (const o of p.origins) g.text(`${s}: origins`, o);
    } else if (p.type === 'mock') {
      for (const [k, v] of Object.entries(p.headers ?? {})) {
        g.headerName(`${s}: headers`, k);
        g.text(`${s}: headers.${k}`, v);
      }
    } else if (p.type === 'basic-auth') {
      g.text(`${s}: realm`, p.realm);
      for (const user of Object.keys(p.users ?? {})) if (user.includes(':') || CONTROL.test(user) || user.includes(' ')) g.problems.push(`${s}: user ${JSON.stringify(user)} may not contain ":", spaces or control characters`);
    }
  }
  if (g.problems.length > 0) {
    throw new SwitchyardError('CONFIG_INVALID', `cannot export to ${target}: ${g.problems.join('; ')}`, { extensions: { problems: g.problems } });
  }
}
