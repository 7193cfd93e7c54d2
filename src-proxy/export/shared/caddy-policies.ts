/** Policies as Caddyfile directives inside a route's ordered `route` block (so they run in the route's order). */
import type { ListenerPlan, Plan, RoutePlan } from '../../config/plan.js';
import type { PolicyOf } from '../../config/policy-schema.js';
import { parseDuration, parseSize } from '../../config/units.js';
import type { ExportOptions } from '../exporter.js';
import { afterMatcher, cq, cv, cw, headerPlaceholder } from './caddy-syntax.js';
import type { Notes } from './notes.js';
import { routePolicies, secretPlaceholder } from './plan-view.js';
import { escapeRegex, greaterThan } from './regex.js';

export class CaddyPolicies {
  private readonly warned = new Set<string>();

  constructor(
    private readonly plan: Plan,
    private readonly notes: Notes,
    private readonly opts: ExportOptions,
  ) {}

  routeLines(route: RoutePlan, listener: ListenerPlan): string[] {
    const lines: string[] = [];
    routePolicies(this.plan, route).forEach(({ name, policy }, i) => {
      const subject = `route ${route.name}: policy ${name}`;
      const m = `@p${i}`;
      switch (policy.type) {
        case 'ip-filter':
          if (policy.deny) lines.push(`${m}d remote_ip ${policy.deny.join(' ')}`, `respond ${m}d 403`);
          if (policy.allow) lines.push(`${m}a not remote_ip ${policy.allow.join(' ')}`, `respond ${m}a 403`);
          if (policy.trustedProxies) this.notes.unsupported(`${subject} trustedProxies`, 'the client address is the connection\'s');
          else this.notes.exact(subject, 'remote_ip matchers → respond 403');
          break;
        case 'api-key': {
          const header = policy.header ?? 'x-api-key';
          const keys = Object.keys(policy.keys).map((k, j) => (this.opts.includeSecrets ? k : secretPlaceholder(name, 'key', j + 1)));
          lines.push(`${m}n not header ${cw(header)} *`, `respond ${m}n 401`);
          lines.push(`${m}k not header_regexp ${cw(header)} ${cq(`^(${keys.map(escapeRegex).join('|')})$`)}`, `respond ${m}k 403`);
          if (!policy.keep) lines.push(`request_header ${cw('-' + header)}`);
          if (policy.query) this.notes.unsupported(`${subject}: query`, 'keys in the query string are not checked; only the header');
          this.secretNote(name, 'API keys');
          this.notes.exact(subject, '401 without a key, 403 for an unknown one');
          break;
        }
        case 'basic-auth': {
          const users = [...Object.entries(policy.users ?? {}), ...(policy.htpasswd ?? []).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)] as [string, string])];
          lines.push(`basicauth bcrypt ${cq(policy.realm ?? 'Switchyard')} {`);
          users.forEach(([user, hash], j) => {
            // Caddy wants base64 here, even for the placeholder.
            const value = Buffer.from(this.opts.includeSecrets ? hash : secretPlaceholder(name, 'hash', j + 1)).toString('base64');
            lines.push(`\t${cw(user)} ${value}`);
          });
          lines.push('}');
          if (!policy.keep) lines.push('request_header -Authorization');
          if (users.some(([, h]) => !h.startsWith('$2'))) this.notes.unsupported(`${subject}: users`, 'Caddy checks bcrypt hashes only; non-bcrypt users cannot log in');
          if (policy.htpasswdFile) this.notes.unsupported(`${subject}: htpasswdFile`, 'Caddy users are inline; copy the file\'s bcrypt users in');
          this.secretNote(name, 'password hashes (base64 of the bcrypt hash; here base64 of the placeholder)');
          this.notes.exact(subject, 'basicauth');
          break;
        }
        case 'headers':
          this.headers(policy, listener, lines, subject);
          break;
        case 'body-limit': {
          const max = parseSize(policy.maxSize);
          lines.push(`${m}big header_regexp Content-Length ${cq(greaterThan(max))}`, `respond ${m}big 413`);
          lines.push('request_body {', `\tmax_size ${max}`, '}');
          this.notes.approx(subject, 'Content-Length over the limit → 413; a chunked body over it is cut by request_body max_size and ends in 502');
          break;
        }
        case 'compress': {
          const algos = (policy.algorithms ?? ['br', 'gzip']).filter((a) => a === 'gzip' || a === 'zstd');
          lines.push(`encode ${algos.join(' ') || 'gzip'} {`, `\tminimum_length ${parseSize(policy.minSize ?? '1KB')}`);
          if (policy.contentTypes) lines.push('\tmatch {', ...policy.contentTypes.map((t) => `\t\theader Content-Type ${cw(t)}`), '\t}');
          lines.push('}');
          if ((policy.algorithms ?? ['br']).some((a) => a === 'br' || a === 'deflate')) this.notes.approx(subject, 'standard Caddy encodes gzip and zstd only (br and deflate left out)');
          else this.notes.exact(subject, 'encode');
          break;
        }
        case 'cors':
          this.cors(policy, m, lines, subject);
          break;
        case 'mock':
          if (policy.when || policy.bodyFile) this.notes.unsupported(subject, 'conditional mocks and bodyFile are not translated; requests are proxied');
          else {
            for (const [k, v] of Object.entries(policy.headers ?? {})) lines.push(`header ${cw(k)} ${cv(v)}`);
            lines.push(policy.body !== undefined ? `respond ${afterMatcher(policy.body, cv(policy.body))} ${policy.status}` : `respond ${policy.status}`);
            this.notes.exact(subject, `respond ${policy.status}`);
          }
          break;
        case 'rate-limit':
          this.notes.unsupported(subject, 'rate limiting needs a plugin (caddy-ratelimit) in Caddy; requests are not limited');
          break;
        case 'cache':
          this.notes.unsupported(subject, 'caching needs a plugin (cache-handler) in Caddy; responses are not cached');
          break;
        case 'jwt':
          this.notes.unsupported(subject, 'JWT validation needs a plugin in Caddy; requests pass unauthenticated unless another policy checks them');
          break;
        case 'transform':
          this.notes.unsupported(subject, 'body, path and query transforms are not translated; requests pass unchanged');
          break;
        case 'fault':
          this.notes.unsupported(subject, 'fault injection has no Caddy equivalent');
          break;
      }
    });
    return lines;
  }

  private secretNote(policy: string, what: string): void {
    if (this.opts.includeSecrets || this.warned.has(policy)) return;
    this.warned.add(policy);
    this.notes.approx(`policy ${policy}: secrets`, `${what} are written as SWITCHYARD_SECRET_… placeholders; replace them (or export with secrets included)`);
  }

  private headers(p: PolicyOf<'headers'>, listener: ListenerPlan, lines: string[], subject: string): void {
    const rq = p.request;
    for (const h of rq?.remove ?? []) lines.push(`request_header ${cw('-' + h)}`);
    for (const [from, to] of Object.entries(rq?.rename ?? {})) lines.push(`request_header ${cw(to)} ${headerPlaceholder('request', from)}`, `request_header ${cw('-' + from)}`);
    for (const [k, v] of Object.entries(rq?.set ?? {})) lines.push(`request_header ${cw(k)} ${cv(v)}`);
    for (const [k, v] of Object.entries(rq?.add ?? {})) lines.push(`request_header ${cw('+' + k)} ${cv(v)}`);
    const rs = p.response;
    for (const h of rs?.remove ?? []) lines.push(`header ${cw('-' + h)}`);
    for (const [from, to] of Object.entries(rs?.rename ?? {})) {
      lines.push(`header ${cw(to)} ${headerPlaceholder('response', from)}`, `header ${cw('-' + from)}`);
      this.notes.approx(`${subject}: response rename ${from}`, 'Caddy reads response headers only in deferred header rules; the value may be empty');
    }
    for (const [k, v] of Object.entries(rs?.set ?? {})) lines.push(`header ${cw(k)} ${cv(v)}`);
    for (const [k, v] of Object.entries(rs?.add ?? {})) lines.push(`header ${cw('+' + k)} ${cv(v)}`);
    const sec = p.securityHeaders;
    if (sec) {
      const o = sec === true ? {} : sec;
      if (o.hsts !== false && listener.tls) {
        const h = o.hsts ?? { maxAge: '365d', includeSubDomains: true, preload: false };
        lines.push(`header Strict-Transport-Security ${cq(`max-age=${Math.round(parseDuration(h.maxAge) / 1000)}${h.includeSubDomains ? '; includeSubDomains' : ''}${h.preload ? '; preload' : ''}`)}`);
      }
      if (o.contentTypeOptions !== false) lines.push('header X-Content-Type-Options nosniff');
      if (o.frameOptions !== false) lines.push(`header X-Frame-Options ${o.frameOptions ?? 'DENY'}`);
      if (o.referrerPolicy !== false) lines.push(`header Referrer-Policy ${cq(o.referrerPolicy ?? 'strict-origin-when-cross-origin')}`);
      if (o.csp) lines.push(`header Content-Security-Policy ${cv(o.csp)}`);
    }
    this.notes.exact(subject, 'request_header / header');
  }

  private cors(p: PolicyOf<'cors'>, m: string, lines: string[], subject: string): void {
    const any = p.origins.includes('*');
    const re = `^(${p.origins.filter((o) => o !== '*').map((o) => o.split('*').map(escapeRegex).join('[^.]+')).join('|')})$`;
    const origin = any ? 'header Origin *' : `header_regexp Origin ${cq(re)}`;
    const value = any && !p.credentials ? '*' : '{http.request.header.Origin}';
    lines.push(`${m}o {`, `\t${origin}`, '}');
    lines.push(`${m}pre {`, `\t${origin}`, '\tmethod OPTIONS', '\theader Access-Control-Request-Method *', '}');
    lines.push(`header ${m}o Access-Control-Allow-Origin ${cq(value)}`, `header ${m}o +Vary Origin`);
    if (p.credentials) lines.push(`header ${m}o Access-Control-Allow-Credentials true`);
    if (p.exposeHeaders) lines.push(`header ${m}o Access-Control-Expose-Headers ${cv(p.exposeHeaders.join(', '))}`);
    lines.push(`header ${m}pre Access-Control-Allow-Methods ${cq((p.methods ?? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).join(', '))}`);
    lines.push(`header ${m}pre Access-Control-Allow-Headers ${cq(p.headers ? p.headers.join(', ') : '{http.request.header.Access-Control-Request-Headers}')}`);
    if (p.maxAge) lines.push(`header ${m}pre Access-Control-Max-Age ${Math.round(parseDuration(p.maxAge) / 1000)}`);
    lines.push(`respond ${m}pre 204`);
    this.notes.approx(subject, 'origin matchers and header rules; disallowed preflights are proxied instead of refused');
  }
}
