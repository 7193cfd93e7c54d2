/**
 * Policies as HAProxy rules: frontend `http-request`/`http-response` rules
 * conditioned on the chosen route, plus the sections they need (userlists,
 * stick tables, caches), written once per policy.
 */
import type { ListenerPlan, Plan, RoutePlan, UpstreamPlan } from '../../config/plan.js';
import type { PolicyOf } from '../../config/policy-schema.js';
import { parseDuration, parseSize } from '../../config/units.js';
import type { ExportOptions } from '../exporter.js';
import { harg, hfmt, hq, hstr, hw } from './haproxy-syntax.js';
import type { Notes } from './notes.js';
import { fmtDuration, routePolicies, secretPlaceholder } from './plan-view.js';
import { escapeRegex } from './regex.js';

export class HaproxyPolicies {
  private readonly sections: string[] = [];
  private readonly defined = new Set<string>();
  /** Upstreams whose backend compresses (compression is per backend in HAProxy). */
  private readonly compressed = new Map<string, PolicyOf<'compress'>>();

  constructor(
    private readonly plan: Plan,
    private readonly notes: Notes,
    private readonly opts: ExportOptions,
  ) {}

  extraSections(): string[] {
    return this.sections;
  }

  frontendLines(route: RoutePlan, when: string, listener: ListenerPlan): string[] {
    const lines: string[] = [];
    let counter = 0;
    for (const { name, policy } of routePolicies(this.plan, route)) {
      const subject = `route ${route.name}: policy ${name}`;
      const once = !this.defined.has(name);
      this.defined.add(name);
      switch (policy.type) {
        case 'ip-filter':
          if (policy.deny) lines.push(`http-request deny deny_status 403 if ${when} { src ${policy.deny.join(' ')} }`);
          if (policy.allow) lines.push(`http-request deny deny_status 403 if ${when} !{ src ${policy.allow.join(' ')} }`);
          if (policy.trustedProxies) this.notes.unsupported(`${subject} trustedProxies`, 'the client address is the connection\'s; trusting X-Forwarded-For needs a server-wide rule');
          else this.notes.exact(subject, 'http-request deny deny_status 403 on src');
          break;
        case 'api-key': {
          const header = policy.header ?? 'x-api-key';
          const keys = Object.keys(policy.keys).map((k, i) => (this.opts.includeSecrets ? k : secretPlaceholder(name, 'key', i + 1)));
          const h = harg(header, `${subject}: header`);
          lines.push(`http-request return status 401 if ${when} !{ req.hdr(${h}) -m found }`);
          lines.push(`http-request return status 403 if ${when} !{ req.fhdr(${h}) -m str ${keys.map(hq).join(' ')} }`);
          if (!policy.keep) lines.push(`http-request del-header ${hw(header)} if ${when}`);
          if (policy.query) this.notes.unsupported(`${subject}: query`, 'keys in the query string are not checked; only the header');
          if (once && !this.opts.includeSecrets) this.notes.approx(`policy ${name}: keys`, 'API keys are written as SWITCHYARD_SECRET_… placeholders; replace them (or export with secrets included)');
          this.notes.exact(subject, '401 without a key, 403 for an unknown one');
          break;
        }
        case 'basic-auth':
          this.basicAuth(name, policy, once);
          lines.push(`http-request auth realm ${hq(policy.realm ?? 'Switchyard')} if ${when} !{ http_auth(ul_${name}) }`);
          if (!policy.keep) lines.push(`http-request del-header Authorization if ${when}`);
          this.notes.exact(subject, 'userlist + http-request auth');
          break;
        case 'rate-limit':
          if (counter >= 3) {
            this.notes.unsupported(subject, 'HAProxy tracks at most three counters per request; this limit is left out');
            break;
          }
          this.rateLimit(name, policy, route, when, counter++, once, lines, subject);
          break;
        case 'headers':
          this.headers(policy, when, listener, lines, subject);
          break;
        case 'body-limit':
          lines.push(`http-request deny deny_status 413 if ${when} { req.hdr_val(content-length) gt ${parseSize(policy.maxSize)} }`);
          this.notes.approx(subject, 'checked on Content-Length; chunked bodies are not counted');
          break;
        case 'cors':
          this.cors(policy, when, lines, subject);
          break;
        case 'compress':
          if (route.action.kind === 'proxy') this.compressed.set(route.action.upstream, policy);
          this.notes.approx(subject, `HAProxy compresses per backend: every route to upstream ${route.action.kind === 'proxy' ? route.action.upstream : '?'} is compressed; gzip/deflate only`);
          break;
        case 'cache':
          this.cache(name, policy, once);
          lines.push(`http-request cache-use c_${name} if ${when}`, `http-response cache-store c_${name} if ${when}`);
          this.notes.approx(subject, 'HAProxy cache (RAM): responses are kept up to max-age; Vary, stale-* and heuristic freshness are not the same');
          break;
        case 'mock':
          if (policy.when || policy.bodyFile) this.notes.unsupported(subject, 'conditional mocks and bodyFile are not translated; requests are proxied');
          else if (policy.status < 200) this.notes.unsupported(subject, `HAProxy cannot answer with a 1xx status (${policy.status}); requests are proxied`);
          else {
            const hdrs = Object.entries(policy.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'content-type');
            const type = Object.entries(policy.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? 'text/plain';
            const body = policy.body !== undefined && policy.status !== 204 && policy.status !== 304 ? ` content-type ${hstr(type)} string ${hstr(policy.body)}` : '';
            lines.push(`http-request return status ${policy.status}${body}${hdrs.map(([k, v]) => ` hdr ${hw(k)} "${hfmt(v)}"`).join('')} if ${when}`);
            this.notes.exact(subject, `http-request return status ${policy.status}`);
          }
          break;
        case 'fault':
          if (policy.abort && !policy.when && policy.abort.status >= 200) {
            const pct = policy.percentage ?? 100;
            lines.push(`http-request return status ${policy.abort.status} if ${when}${pct < 100 ? ` { rand(100) lt ${pct} }` : ''}`);
            this.notes.approx(subject, 'abort translated; delay and reset are not');
          } else this.notes.unsupported(subject, 'fault delays, resets and conditions have no HAProxy equivalent');
          break;
        case 'jwt':
          this.notes.unsupported(subject, 'JWT validation is not translated (HAProxy 2.5+ jwt_verify could check HS/RS signatures, but not claims and JWKS as Switchyard does)');
          break;
        case 'transform':
          this.notes.unsupported(subject, 'body, path and query transforms are not translated; requests pass unchanged');
          break;
      }
    }
    return lines;
  }

  backendLines(u: UpstreamPlan): string[] {
    const c = this.compressed.get(u.name);
    if (!c) return [];
    const types = (c.contentTypes ?? ['text/html', 'text/plain', 'text/css', 'application/json', 'application/javascript', 'application/xml', 'image/svg+xml']).filter((t) => !t.includes('*'));
    return [`compression algo ${(c.algorithms ?? ['gzip']).filter((a) => a === 'gzip' || a === 'deflate').join(' ') || 'gzip'}`, `compression type ${types.map(hw).join(' ')}`];
  }

  private basicAuth(name: string, p: PolicyOf<'basic-auth'>, once: boolean): void {
    if (!once) return;
    const users = [...Object.entries(p.users ?? {}), ...(p.htpasswd ?? []).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)] as [string, string])];
    this.sections.push('', `userlist ul_${name}`);
    users.forEach(([user, hash], i) => {
      this.sections.push(`    user ${hw(user)} password ${hw(this.opts.includeSecrets ? hash : secretPlaceholder(name, 'hash', i + 1))}`);
    });
    if (p.htpasswdFile) this.notes.unsupported(`policy ${name}: htpasswdFile`, 'HAProxy userlists are inline; copy the file\'s users into the userlist');
    if (!this.opts.includeSecrets) this.notes.approx(`policy ${name}: users`, 'password hashes are written as SWITCHYARD_SECRET_… placeholders; replace them with crypt(3) hashes');
  }

  private rateLimit(name: string, p: PolicyOf<'rate-limit'>, route: RoutePlan, when: string, n: number, once: boolean, lines: string[], subject: string): void {
    const per = fmtDuration(parseDuration(p.per));
    let key = 'src';
    let type = 'ip';
    if (p.by.startsWith('header:')) [key, type] = [`req.hdr(${harg(p.by.slice(7), `${subject}: by`)})`, 'string len 200'];
    else if (p.by === 'route') [key, type] = [`str(${route.name})`, 'string len 64'];
    else if (p.by === 'consumer') {
      const auth = routePolicies(this.plan, route).find((x) => x.policy.type === 'api-key');
      if (auth && auth.policy.type === 'api-key') [key, type] = [`req.hdr(${harg(auth.policy.header ?? 'x-api-key', `${subject}: by`)})`, 'string len 200'];
      else this.notes.approx(subject, 'by: consumer without an api-key policy on the route: counted per client address');
    }
    if (once) this.sections.push('', `backend st_${name}`, `    stick-table type ${type} size 100k expire ${per} store http_req_rate(${per})`);
    lines.push(`http-request track-sc${n} ${key} table st_${name} if ${when}`);
    lines.push(`http-request deny deny_status 429 if ${when} { sc_http_req_rate(${n},st_${name}) gt ${p.limit} }`);
    this.notes.approx(subject, `stick-table http_req_rate(${per}) > ${p.limit} → 429: a sliding window rather than a token bucket, without RateLimit-* headers${p.plans ? '; per-plan limits are not expressible' : ''}`);
  }

  private headers(p: PolicyOf<'headers'>, when: string, listener: ListenerPlan, lines: string[], subject: string): void {
    const rq = p.request;
    for (const h of rq?.remove ?? []) lines.push(`http-request del-header ${hw(h)} if ${when}`);
    for (const [from, to] of Object.entries(rq?.rename ?? {})) {
      const f = harg(from, `${subject}: request.rename`);
      lines.push(`http-request set-header ${hw(to)} %[req.hdr(${f})] if ${when} { req.hdr(${f}) -m found }`, `http-request del-header ${hw(from)} if ${when}`);
    }
    for (const [k, v] of Object.entries(rq?.set ?? {})) lines.push(`http-request set-header ${hw(k)} "${hfmt(v)}" if ${when}`);
    for (const [k, v] of Object.entries(rq?.add ?? {})) lines.push(`http-request add-header ${hw(k)} "${hfmt(v)}" if ${when}`);
    const rs = p.response;
    for (const h of rs?.remove ?? []) lines.push(`http-response del-header ${hw(h)} if ${when}`);
    for (const [from, to] of Object.entries(rs?.rename ?? {})) {
      const f = harg(from, `${subject}: response.rename`);
      lines.push(`http-response set-header ${hw(to)} %[res.hdr(${f})] if ${when} { res.hdr(${f}) -m found }`, `http-response del-header ${hw(from)} if ${when}`);
    }
    for (const [k, v] of Object.entries(rs?.set ?? {})) lines.push(`http-response set-header ${hw(k)} "${hfmt(v)}" if ${when}`);
    for (const [k, v] of Object.entries(rs?.add ?? {})) lines.push(`http-response add-header ${hw(k)} "${hfmt(v)}" if ${when}`);
    const sec = p.securityHeaders;
    if (sec) {
      const o = sec === true ? {} : sec;
      const set = (k: string, v: string) => lines.push(`http-response set-header ${hw(k)} "${hfmt(v)}" if ${when}`);
      if (o.hsts !== false && listener.tls) {
        const h = o.hsts ?? { maxAge: '365d', includeSubDomains: true, preload: false };
        set('Strict-Transport-Security', `max-age=${Math.round(parseDuration(h.maxAge) / 1000)}${h.includeSubDomains ? '; includeSubDomains' : ''}${h.preload ? '; preload' : ''}`);
      }
      if (o.contentTypeOptions !== false) set('X-Content-Type-Options', 'nosniff');
      if (o.frameOptions !== false) set('X-Frame-Options', o.frameOptions ?? 'DENY');
      if (o.referrerPolicy !== false) set('Referrer-Policy', o.referrerPolicy ?? 'strict-origin-when-cross-origin');
      if (o.csp) set('Content-Security-Policy', o.csp);
    }
    this.notes.exact(subject, 'http-request / http-response set-header, add-header, del-header');
  }

  private cors(p: PolicyOf<'cors'>, when: string, lines: string[], subject: string): void {
    const any = p.origins.includes('*');
    const originRe = `^(${p.origins.filter((o) => o !== '*').map((o) => o.split('*').map(escapeRegex).join('[^.]+')).join('|')})$`;
    const allowedReq = any ? '' : ` { req.hdr(origin) -m reg ${hq(originRe)} }`;
    // Request headers are gone by response time: keep the origin in a transaction variable.
    const allowedRes = ` { var(txn.origin) -m found }${any ? '' : ` { var(txn.origin) -m reg ${hq(originRe)} }`}`;
    const value = any && !p.credentials ? '*' : '%[req.hdr(origin)]';
    const resValue = any && !p.credentials ? '*' : '%[var(txn.origin)]';
    const methods = (p.methods ?? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).join(', ');
    const allowHeaders = p.headers ? `"${hfmt(p.headers.join(', '))}"` : '%[req.hdr(access-control-request-headers)]';
    const maxAge = p.maxAge ? ` hdr Access-Control-Max-Age ${Math.round(parseDuration(p.maxAge) / 1000)}` : '';
    const cred = p.credentials ? ' hdr Access-Control-Allow-Credentials true' : '';
    lines.push(
      `http-request return status 204 hdr Access-Control-Allow-Origin "${value}" hdr Vary Origin hdr Access-Control-Allow-Methods "${methods}" hdr Access-Control-Allow-Headers ${allowHeaders}${maxAge}${cred} if ${when} METH_OPTIONS { req.hdr(access-control-request-method) -m found } { req.hdr(origin) -m found }${allowedReq}`,
      `http-request set-var(txn.origin) req.hdr(origin) if ${when}`,
      `http-response set-header Access-Control-Allow-Origin "${resValue}" if ${when}${allowedRes}`,
      `http-response add-header Vary Origin if ${when}`,
    );
    if (p.credentials) lines.push(`http-response set-header Access-Control-Allow-Credentials true if ${when}${allowedRes}`);
    if (p.exposeHeaders) lines.push(`http-response set-header Access-Control-Expose-Headers "${hfmt(p.exposeHeaders.join(', '))}" if ${when}${allowedRes}`);
    this.notes.approx(subject, 'preflights answered with 204 by http-request return; disallowed preflights are proxied instead of refused');
  }

  private cache(name: string, p: PolicyOf<'cache'>, once: boolean): void {
    if (!once) return;
    const mb = Math.max(1, Math.round(parseSize(p.maxSize ?? '64MB') / (1024 * 1024)));
    this.sections.push('', `cache c_${name}`, `    total-max-size ${mb}`, `    max-object-size ${parseSize(p.maxObjectSize ?? '1MB')}`);
    this.sections.push(`    max-age ${p.defaultTtl ? Math.round(parseDuration(p.defaultTtl) / 1000) : 60}`);
  }
}
