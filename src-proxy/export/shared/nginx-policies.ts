/**
 * Policies as nginx directives: http-level definitions (zones, maps, cache
 * paths) written once per policy, and location-level directives per route.
 */
import type { ListenerPlan, Plan, RoutePlan } from '../../config/plan.js';
import { SwitchyardError } from '../../errors.js';
import type { PolicyOf } from '../../config/policy-schema.js';
import { parseDuration, parseSize } from '../../config/units.js';
import type { ExportOptions } from '../exporter.js';
import { headerVariable, nginxPlain, nginxRegex, nginxSize, nginxString, nginxValue } from './nginx-syntax.js';
import type { Notes } from './notes.js';
import { fmtDuration, routePolicies, secretPlaceholder } from './plan-view.js';
import { escapeRegex, greaterThan } from './regex.js';

const NGINX_ETC = '/etc/nginx/switchyard';
const NGINX_CACHE = '/var/cache/nginx/switchyard';

export class NginxPolicies {
  private readonly http: string[] = [];
  private readonly defined = new Set<string>();

  constructor(
    private readonly plan: Plan,
    private readonly notes: Notes,
    private readonly opts: ExportOptions,
    private readonly state: { usesDollar: boolean },
    private readonly routeIds: Map<string, string>,
  ) {}

  httpLines(): string[] {
    return this.http;
  }

  locationLines(route: RoutePlan, listener: ListenerPlan): string[] {
    const lines: string[] = [];
    const list = routePolicies(this.plan, route);
    const gates = list.filter((p) => ['api-key', 'basic-auth', 'rate-limit', 'ip-filter'].includes(p.policy.type));
    if (gates.length > 1) {
      this.notes.approx(`route ${route.name}: policy order`, 'nginx runs its checks in phase order (api-key, then rate limit, then ip rules and basic auth), not in the route\'s order; only the status of a request refused by several differs');
    }
    for (const { name, policy } of list) {
      const subject = `route ${route.name}: policy ${name}`;
      const once = !this.defined.has(name);
      this.defined.add(name);
      switch (policy.type) {
        case 'api-key':
          this.apiKey(name, policy, subject, once, lines);
          break;
        case 'basic-auth':
          this.basicAuth(name, policy, subject, once, lines);
          break;
        case 'rate-limit':
          this.rateLimit(name, policy, route, subject, once, lines);
          break;
        case 'ip-filter':
          for (const c of policy.deny ?? []) lines.push(`deny ${c};`);
          for (const c of policy.allow ?? []) lines.push(`allow ${c};`);
          if (policy.allow) lines.push('deny all;');
          if (policy.trustedProxies) this.notes.unsupported(`${subject} trustedProxies`, 'the client address is the connection\'s; use set_real_ip_from/real_ip_header server-wide to trust proxies');
          else this.notes.exact(subject, 'deny/allow rules (deny first, so deny wins), 403');
          break;
        case 'headers':
          this.headers(policy, subject, listener, lines);
          break;
        case 'body-limit': {
          // client_max_body_size checks Content-Length only where the location is chosen (`location /`),
          // not in the named location: compare the declared length here; it still caps chunked bodies.
          const max = parseSize(policy.maxSize);
          lines.push(`if ($content_length ~ ${nginxRegex(greaterThan(max))}) { return 413; }`, `client_max_body_size ${max};`);
          this.notes.exact(subject, 'Content-Length over the limit → 413; client_max_body_size caps chunked bodies');
          break;
        }
        case 'compress': {
          const algos = policy.algorithms ?? ['br', 'gzip'];
          lines.push('gzip on;', `gzip_min_length ${parseSize(policy.minSize ?? '1KB')};`);
          lines.push(`gzip_types ${(policy.contentTypes ?? ['text/*', 'application/json', 'application/javascript', 'application/xml', 'image/svg+xml']).map((t) => (t === 'text/*' ? 'text/plain text/css text/html text/xml text/javascript' : nginxPlain(t))).join(' ')};`);
          if (policy.level) lines.push(`gzip_comp_level ${Math.min(policy.level, 9)};`);
          if (algos.some((a) => a !== 'gzip')) this.notes.approx(subject, `open-source nginx compresses with gzip only (${algos.filter((a) => a !== 'gzip').join(', ')} left out)`);
          else this.notes.exact(subject, 'gzip');
          break;
        }
        case 'cache':
          this.cache(name, policy, subject, once, lines);
          break;
        case 'cors':
          this.cors(name, policy, subject, once, lines);
          break;
        case 'mock':
          if (policy.when || policy.bodyFile) this.notes.unsupported(subject, 'conditional mocks and bodyFile have no nginx equivalent; requests are proxied');
          else {
            for (const [k, v] of Object.entries(policy.headers ?? {})) lines.push(`add_header ${nginxPlain(k)} ${nginxString(v, this.state)} always;`);
            lines.push(`return ${policy.status} ${nginxString(policy.body ?? '', this.state)};`);
            this.notes.exact(subject, `return ${policy.status}`);
          }
          break;
        case 'jwt':
          this.notes.unsupported(subject, 'JWT validation (auth_jwt) is NGINX Plus only; requests pass unauthenticated unless another policy checks them');
          break;
        case 'transform':
          this.notes.unsupported(subject, 'body, path and query transforms are not expressible in nginx without scripting modules; requests pass unchanged');
          break;
        case 'fault':
          this.notes.unsupported(subject, 'fault injection has no nginx equivalent');
          break;
      }
    }
    return lines;
  }

  private apiKey(name: string, p: PolicyOf<'api-key'>, subject: string, once: boolean, lines: string[]): void {
    const id = ident(name);
    const header = p.header ?? 'x-api-key';
    const source = p.query ? `$swy_apikey_in_${id}` : headerVariable(header);
    if (once) {
      if (p.query && !/^[A-Za-z0-9_]+$/.test(p.query)) {
        // Renaming it to fit $arg_ would read another parameter.
        throw new SwitchyardError('CONFIG_INVALID', `cannot export to nginx: policy ${name}: query ${JSON.stringify(p.query)}: nginx $arg_ variables only exist for names made of letters, digits and "_"`);
      }
      if (p.query) this.http.push(`map ${headerVariable(header)} ${source} { "" $arg_${p.query}; default ${headerVariable(header)}; }`);
      const entries = Object.entries(p.keys).map(([key, v], i) => {
        const k = this.opts.includeSecrets ? key : secretPlaceholder(name, 'key', i + 1);
        return `  ${nginxRegex(`~^${escapeRegex(k)}$`)} ${nginxString(v.consumer)};`;
      });
      this.http.push(`map ${source} $swy_consumer_${id} {`, ...entries, '  default "";', '}');
      if (!this.opts.includeSecrets) this.notes.approx(`policy ${name}: keys`, 'API keys are written as SWITCHYARD_SECRET_… placeholders; replace them (or export with secrets included)');
    }
    lines.push(`if (${source} = "") { return 401; }`, `if ($swy_consumer_${id} = "") { return 403; }`);
    if (!p.keep) lines.push(`proxy_set_header ${nginxPlain(header)} "";`);
    this.notes.exact(subject, 'keys in a map; 401 without a key, 403 for an unknown one');
  }

  private basicAuth(name: string, p: PolicyOf<'basic-auth'>, subject: string, once: boolean, lines: string[]): void {
    const file = p.htpasswdFile ?? `${NGINX_ETC}/${name}.htpasswd`;
    lines.push(`auth_basic ${nginxString(p.realm ?? 'Switchyard', this.state)};`, `auth_basic_user_file ${nginxValue(file, this.state)};`);
    if (!p.keep) lines.push('proxy_set_header Authorization "";');
    if (once && !p.htpasswdFile) {
      const entries = [...Object.entries(p.users ?? {}).map(([u, h]) => `${u}:${h}`), ...(p.htpasswd ?? [])];
      if (this.opts.includeSecrets) {
        this.notes.approx(`policy ${name}: users`, `write these lines to ${file}: ${entries.join(' ')}`);
      } else {
        this.notes.approx(`policy ${name}: users`, `password hashes are not exported; write an htpasswd file with ${entries.length} user(s) to ${file}`);
      }
    }
    const bcrypt = [...Object.values(p.users ?? {}), ...(p.htpasswd ?? [])].some((h) => h.includes('$2'));
    if (bcrypt) this.notes.approx(subject, 'nginx checks hashes with the system crypt(): bcrypt ($2y$) works only where libxcrypt supports it');
    else this.notes.exact(subject, 'auth_basic with an htpasswd file');
  }

  private rateLimit(name: string, p: PolicyOf<'rate-limit'>, route: RoutePlan, subject: string, once: boolean, lines: string[]): void {
    const id = ident(name);
    const perMs = parseDuration(p.per);
    let key = '$binary_remote_addr';
    if (p.by.startsWith('header:')) key = headerVariable(p.by.slice(7));
    else if (p.by === 'route') key = '$swy_route_name';
    else if (p.by === 'consumer') {
      const auth = routePolicies(this.plan, route).find((x) => x.policy.type === 'api-key');
      if (auth) key = `$swy_consumer_${ident(auth.name)}`;
      else this.notes.approx(subject, 'by: consumer without an api-key policy on the route: counted per client address');
    }
    if (once) {
      // nginx rates are per second or per minute; keep the average rate.
      const perMinute = (p.limit * 60_000) / perMs;
      const rate = Number.isInteger(perMinute) ? `${perMinute}r/m` : `${Math.max(1, Math.round(perMinute))}r/m`;
      this.http.push(`limit_req_zone ${key} zone=swy_rl_${id}:10m rate=${rate};`);
      if (!Number.isInteger(perMinute)) this.notes.approx(`policy ${name}`, `${p.limit} per ${p.per} rounded to ${rate}`);
    }
    if (p.by === 'route') lines.push(`set $swy_route_name ${this.routeIds.get(route.name)};`);
    lines.push(`limit_req zone=swy_rl_${id} burst=${p.limit} nodelay;`, 'limit_req_status 429;');
    this.notes.approx(
      subject,
      `limit_req (leaky bucket, burst ${p.limit}) answers 429 like the token bucket, but without RateLimit-* and Retry-After headers${p.plans ? '; per-plan limits are not expressible, the default limit applies to all' : ''}`,
    );
  }

  private headers(p: PolicyOf<'headers'>, subject: string, listener: ListenerPlan, lines: string[]): void {
    const rq = p.request;
    for (const h of rq?.remove ?? []) lines.push(`proxy_set_header ${nginxPlain(h)} "";`);
    for (const [from, to] of Object.entries(rq?.rename ?? {})) lines.push(`proxy_set_header ${nginxPlain(to)} ${headerVariable(from)};`, `proxy_set_header ${nginxPlain(from)} "";`);
    for (const [k, v] of Object.entries(rq?.set ?? {})) lines.push(`proxy_set_header ${nginxPlain(k)} ${nginxString(v, this.state)};`);
    for (const [k, v] of Object.entries(rq?.add ?? {})) {
      lines.push(`proxy_set_header ${nginxPlain(k)} ${nginxString(v, this.state)};`);
      this.notes.approx(`${subject}: request add ${k}`, 'nginx replaces the header instead of appending a value');
    }
    const rs = p.response;
    for (const h of rs?.remove ?? []) lines.push(`proxy_hide_header ${nginxPlain(h)};`);
    for (const [k, v] of Object.entries(rs?.set ?? {})) lines.push(`proxy_hide_header ${nginxPlain(k)};`, `add_header ${nginxPlain(k)} ${nginxString(v, this.state)} always;`);
    for (const [k, v] of Object.entries(rs?.add ?? {})) lines.push(`add_header ${nginxPlain(k)} ${nginxString(v, this.state)} always;`);
    for (const [from, to] of Object.entries(rs?.rename ?? {})) {
      lines.push(`proxy_hide_header ${nginxPlain(from)};`, `add_header ${nginxPlain(to)} ${headerVariable(from, '$upstream_http_')} always;`);
    }
    const sec = p.securityHeaders;
    if (sec) {
      const o = sec === true ? {} : sec;
      if (o.hsts !== false && listener.tls) {
        const h = o.hsts ?? { maxAge: '365d', includeSubDomains: true, preload: false };
        const v = `max-age=${Math.round(parseDuration(h.maxAge) / 1000)}${h.includeSubDomains ? '; includeSubDomains' : ''}${h.preload ? '; preload' : ''}`;
        lines.push(`add_header Strict-Transport-Security ${nginxString(v)} always;`);
      }
      if (o.contentTypeOptions !== false) lines.push('add_header X-Content-Type-Options "nosniff" always;');
      if (o.frameOptions !== false) lines.push(`add_header X-Frame-Options ${nginxString(o.frameOptions ?? 'DENY')} always;`);
      if (o.referrerPolicy !== false) lines.push(`add_header Referrer-Policy ${nginxString(o.referrerPolicy ?? 'strict-origin-when-cross-origin')} always;`);
      if (o.csp) lines.push(`add_header Content-Security-Policy ${nginxString(o.csp, this.state)} always;`);
    }
    this.notes.exact(subject, 'proxy_set_header / proxy_hide_header / add_header … always');
  }

  private cache(name: string, p: PolicyOf<'cache'>, subject: string, once: boolean, lines: string[]): void {
    const id = ident(name);
    if (once) {
      const max = p.disk?.maxSize ?? p.maxSize ?? '64MB';
      this.http.push(`proxy_cache_path ${nginxPlain(p.disk?.path ?? `${NGINX_CACHE}/${name}`)} levels=1:2 keys_zone=swy_cache_${id}:10m max_size=${nginxSize(parseSize(max))} inactive=1d use_temp_path=off;`);
    }
    lines.push(`proxy_cache swy_cache_${id};`, 'proxy_buffering on;');
    const k = p.key ?? { method: true, host: true, query: true, headers: [] };
    const keyParts = [k.method ? '$request_method' : '', k.host ? '$host' : '', '$uri', k.query === true ? '$is_args$args' : '', ...k.headers.map((h) => `|${headerVariable(h)}`)];
    lines.push(`proxy_cache_key "${keyParts.join('')}";`);
    if (Array.isArray(k.query)) this.notes.approx(`${subject}: key.query`, 'a subset of query parameters cannot be keyed in nginx; the query is left out of the key');
    if (p.defaultTtl) lines.push(`proxy_cache_valid 200 203 204 206 300 301 404 405 410 414 501 ${fmtDuration(parseDuration(p.defaultTtl))};`);
    const stale: string[] = [];
    if (p.staleIfError) stale.push('error', 'timeout', 'http_500', 'http_502', 'http_503', 'http_504');
    if (p.staleWhileRevalidate) {
      stale.push('updating');
      lines.push('proxy_cache_background_update on;');
    }
    if (stale.length > 0) lines.push(`proxy_cache_use_stale ${stale.join(' ')};`);
    lines.push('add_header X-Cache-Status $upstream_cache_status always;');
    this.notes.approx(
      subject,
      `proxy_cache with proxy_cache_valid ${p.defaultTtl ?? '(none)'} for responses without freshness information; nginx honours Cache-Control/Expires as Switchyard does, but stale-* durations, maxObjectSize${p.heuristic ? ', heuristic freshness' : ''} are not bounded the same way`,
    );
  }

  private cors(name: string, p: PolicyOf<'cors'>, subject: string, once: boolean, lines: string[]): void {
    const id = ident(name);
    if (once) {
      const entries = p.origins.map((o) =>
        o === '*' ? `  default ${p.credentials ? '$http_origin' : '"*"'};` : `  ${nginxRegex('~^' + o.split('*').map(escapeRegex).join('[^.]+') + '$')} $http_origin;`,
      );
      if (!p.origins.includes('*')) entries.push('  default "";');
      this.http.push(`map $http_origin $swy_cors_origin_${id} {`, ...entries, '}');
      this.http.push(`map "$request_method:$http_access_control_request_method" $swy_cors_preflight_${id} { ${nginxRegex('~^OPTIONS:.+')} 1; default 0; }`);
    }
    const headers = [
      `add_header Access-Control-Allow-Origin $swy_cors_origin_${id} always;`,
      'add_header Vary Origin always;',
      ...(p.credentials ? ['add_header Access-Control-Allow-Credentials "true" always;'] : []),
      ...(p.exposeHeaders ? [`add_header Access-Control-Expose-Headers ${nginxString(p.exposeHeaders.join(', '))} always;`] : []),
    ];
    const preflight = [
      ...headers,
      `add_header Access-Control-Allow-Methods ${nginxString((p.methods ?? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).join(', '))} always;`,
      `add_header Access-Control-Allow-Headers ${p.headers ? nginxString(p.headers.join(', ')) : '$http_access_control_request_headers'} always;`,
      ...(p.maxAge ? [`add_header Access-Control-Max-Age ${Math.round(parseDuration(p.maxAge) / 1000)} always;`] : []),
      'return 204;',
    ];
    lines.push(`if ($swy_cors_preflight_${id}) { ${preflight.join(' ')} }`, ...headers);
    this.notes.approx(subject, 'origin map and add_header; preflights answered with 204 (Switchyard also refuses disallowed preflights, nginx answers them without Allow-Origin)');
  }
}

/** The htpasswd files basic-auth policies need (`auth_basic_user_file`), with secrets only when asked. */
export function nginxHtpasswdFiles(plan: Plan, opts: ExportOptions): { path: string; content: string }[] {
  const files: { path: string; content: string }[] = [];
  for (const [name, p] of plan.policies) {
    if (p.type !== 'basic-auth' || p.htpasswdFile) continue;
    const lines = [...Object.entries(p.users ?? {}).map(([u, h]) => `${u}:${h}`), ...(p.htpasswd ?? [])];
    const content = lines.map((l, i) => (opts.includeSecrets ? l : `${l.slice(0, l.indexOf(':'))}:${secretPlaceholder(name, 'hash', i + 1)}`)).join('\n') + '\n';
    files.push({ path: `${NGINX_ETC}/${name}.htpasswd`, content });
  }
  return files;
}

function ident(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}
