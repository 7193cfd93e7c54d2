/** Switchyard policies as Kong plugins and consumers (part of the Kong exporter). */
import type { Plan, RoutePlan } from '../config/plan.js';
import { parseDuration, parseSize } from '../config/units.js';
import { securityHeaders } from './envoy-policies.js';
import type { ExportOptions } from './exporter.js';
import { escapeRegex } from './path-rewrite.js';
import { secretName, type NoteLog } from './translate.js';

type Json = Record<string, unknown>;
export type KongConsumers = Map<string, Json & { username: string }>;

/** A decK environment reference: decK fills it from DECK_* variables at sync time. */
const envRef = (name: string) => `\${{ env "DECK_${name}" }}`;

const UNITS: [number, string][] = [[1000, 'second'], [60_000, 'minute'], [3_600_000, 'hour'], [86_400_000, 'day']];

export function kongPlugins(plan: Plan, r: RoutePlan, consumers: KongConsumers, notes: NoteLog, opts: ExportOptions): { list: Json[]; terminate: Json | null } {
  const list: Json[] = [];
  let terminate: Json | null = null;
  const consumer = (username: string) => {
    const c = consumers.get(username) ?? { username };
    consumers.set(username, c);
    return c;
  };
  const a = r.action;
  if (a.kind === 'respond') {
    terminate = { name: 'request-termination', config: { status_code: a.status, body: a.body.toString('utf8'), content_type: a.headers['content-type'] ?? 'text/plain' } };
    const other = Object.keys(a.headers).filter((h) => h.toLowerCase() !== 'content-type');
    if (other.length) notes.approx(`route ${r.name}`, `request-termination ${a.status}; headers ${other.join(', ')} not sent`);
    else notes.exact(`route ${r.name}`, `request-termination ${a.status}`);
  } else if (a.kind === 'redirect') {
    const keepPath = a.to.endsWith('{path}') && !/[{$]/.test(a.to.slice(0, -6));
    if (/[{$]/.test(keepPath ? a.to.slice(0, -6) : a.to)) {
      notes.unsupported(`route ${r.name}`, `redirect target "${a.to}" uses templates the redirect plugin cannot fill; the route answers 404 instead`);
      terminate = { name: 'request-termination', config: { status_code: 404, message: 'Not Found' } };
    } else {
      terminate = { name: 'redirect', config: { status_code: a.status, location: keepPath ? a.to.slice(0, -6) || '/' : a.to, keep_incoming_path: keepPath } };
      notes.approx(`route ${r.name}`, `redirect plugin (Kong 3.9+) ${a.status} to ${a.to}${keepPath ? ' (keep_incoming_path also keeps the query)' : ''}`);
    }
  }
  for (const name of r.policies) {
    const p = plan.policies.get(name);
    if (!p) continue;
    const subject = `route ${r.name}: policy ${name} (${p.type})`;
    switch (p.type) {
      case 'api-key': {
        const header = p.header ?? 'x-api-key';
        list.push({ name: 'key-auth', config: { key_names: [header, ...(p.query ? [p.query] : [])], hide_credentials: !p.keep, key_in_header: true, key_in_query: p.query !== undefined, key_in_body: false } });
        for (const [key, v] of Object.entries(p.keys)) {
          const c = consumer(v.consumer);
          const creds = (c.keyauth_credentials as Json[] | undefined) ?? [];
          creds.push({ key: opts.includeSecrets ? key : envRef(secretName(name, 'key', Object.keys(p.keys).indexOf(key) + 1)) });
          c.keyauth_credentials = creds;
        }
        const plans = Object.values(p.keys).some((k) => k.plan);
        notes.exact(subject, `key-auth (${header}${p.query ? ` or ?${p.query}` : ''}) with a consumer per key owner${plans ? '; plans are not translated (consumer groups)' : ''}`);
        if (!opts.includeSecrets) notes.approx(`${subject}: secrets`, 'keys written as decK env references to DECK_SWITCHYARD_SECRET_… variables: set those variables for deck sync (or export with --include-secrets)');
        break;
      }
      case 'jwt': {
        if (p.jwksUrl) {
          notes.unsupported(subject, 'Kong\'s open-source jwt plugin has no JWKS support; not translated (the route is NOT protected)');
          break;
        }
        const issuers = p.issuer === undefined ? [] : Array.isArray(p.issuer) ? p.issuer : [p.issuer];
        list.push({
          name: 'jwt',
          config: {
            header_names: [p.header ?? 'authorization'],
            uri_param_names: p.query ? [p.query] : [],
            cookie_names: p.cookie ? [p.cookie] : [],
            claims_to_verify: p.requireExp === false ? [] : ['exp'],
            key_claim_name: 'iss',
            secret_is_base64: false,
          },
        });
        const c = consumer(`jwt-${name}`);
        c.jwt_secrets = (issuers.length ? issuers : [`${name}-issuer`]).map((iss, i) => ({
          key: iss,
          algorithm: p.algorithms[0],
          ...(p.secret !== undefined ? { secret: opts.includeSecrets ? p.secret : envRef(secretName(name, 'secret', i + 1)) } : {}),
          ...(p.publicKey !== undefined ? { rsa_public_key: p.publicKey } : {}),
        }));
        notes.approx(subject, `jwt plugin: the token's iss claim selects the key (consumer jwt-${name}); only ${p.algorithms[0]} accepted${p.audience ? '; audience not checked' : ''}${p.forwardClaims ? '; claims not forwarded as headers' : ''}${issuers.length ? '' : '; tokens must carry iss ' + `${name}-issuer`}`);
        if (p.secret !== undefined && !opts.includeSecrets) notes.approx(`${subject}: secrets`, 'the HMAC secret is a decK env reference (export with --include-secrets to write it)');
        break;
      }
      case 'basic-auth': {
        list.push({ name: 'basic-auth', config: { hide_credentials: !p.keep, realm: p.realm ?? 'Switchyard' } });
        const users = [...Object.keys(p.users ?? {}), ...(p.htpasswd ?? []).map((l) => l.slice(0, l.indexOf(':')))];
        users.forEach((u, i) => {
          consumer(u).basicauth_credentials = [{ username: u, password: envRef(secretName(name, 'password', i + 1)) }];
        });
        notes.approx(subject, `basic-auth with a consumer per user; Kong hashes plain passwords itself, so the stored hashes cannot be used: passwords are decK env references${p.htpasswdFile ? `; users in ${p.htpasswdFile} not read` : ''}`);
        break;
      }
      case 'rate-limit': {
        const per = parseDuration(p.per);
        const unit = UNITS.find(([ms]) => ms === per);
        const [unitMs, unitName] = unit ?? UNITS.find(([ms]) => ms >= per) ?? UNITS[3];
        const limit = unit ? p.limit : Math.max(1, Math.floor((p.limit * unitMs) / per));
        const by = p.by === 'ip' ? { limit_by: 'ip' } : p.by === 'consumer' ? { limit_by: 'consumer' } : p.by === 'route' ? { limit_by: 'service' } : { limit_by: 'header', header_name: p.by.slice(7) };
        list.push({ name: 'rate-limiting', config: { [unitName]: limit, ...by, policy: 'local' } });
        const approx = !unit || p.by === 'route' || p.plans || p.algorithm === 'token-bucket';
        const detail = `rate-limiting ${limit} per ${unitName} by ${by.limit_by} (fixed windows${unit ? '' : `; ${p.limit}/${p.per} rescaled`}${p.by === 'route' ? '; counted per service' : ''}${p.plans ? '; plans not translated' : ''})`;
        if (approx) notes.approx(subject, detail);
        else notes.exact(subject, detail);
        break;
      }
      case 'cors':
        list.push({
          name: 'cors',
          config: {
            origins: p.origins.map((o) => (o.includes('*') && o !== '*' ? o.split('*').map(escapeRegex).join('[^/]+') : o)),
            methods: p.methods ?? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
            ...(p.headers ? { headers: p.headers } : {}),
            ...(p.exposeHeaders ? { exposed_headers: p.exposeHeaders } : {}),
            credentials: p.credentials ?? false,
            ...(p.maxAge ? { max_age: parseDuration(p.maxAge) / 1000 } : {}),
            preflight_continue: false,
          },
        });
        notes.exact(subject, 'cors plugin');
        break;
      case 'ip-filter':
        list.push({ name: 'ip-restriction', config: { ...(p.allow?.length ? { allow: p.allow } : {}), ...(p.deny?.length ? { deny: p.deny } : {}) } });
        if (p.trustedProxies?.length) notes.approx(subject, 'ip-restriction; trustedProxies map to kong.conf trusted_ips, not exported');
        else notes.exact(subject, 'ip-restriction (403)');
        break;
      case 'headers': {
        const ops = (o: NonNullable<typeof p.request>, extra: Record<string, string>) => {
          const set = { ...o.set, ...extra };
          const pairs = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k}:${v}`);
          return {
            ...(o.remove?.length ? { remove: { headers: o.remove } } : {}),
            ...(o.rename ? { rename: { headers: pairs(o.rename) } } : {}),
            ...(Object.keys(set).length ? { replace: { headers: pairs(set) }, add: { headers: pairs(set) } } : {}),
            ...(o.add ? { append: { headers: pairs(o.add) } } : {}),
          };
        };
        if (p.request) list.push({ name: 'request-transformer', config: ops(p.request, {}) });
        const sec = securityHeaders(p, plan.listeners.some((l) => l.tls !== null));
        if (p.response || Object.keys(sec).length) list.push({ name: 'response-transformer', config: ops(p.response ?? {}, sec) });
        notes.exact(subject, 'request-transformer / response-transformer (set = replace + add)');
        break;
      }
      case 'body-limit':
        list.push({ name: 'request-size-limiting', config: { allowed_payload_size: parseSize(p.maxSize), size_unit: 'bytes', require_content_length: false } });
        notes.exact(subject, `request-size-limiting ${parseSize(p.maxSize)} bytes (413)`);
        break;
      case 'cache':
        list.push({
          name: 'proxy-cache',
          config: { strategy: 'memory', cache_ttl: p.defaultTtl ? parseDuration(p.defaultTtl) / 1000 : 300, request_method: ['GET', 'HEAD'], response_code: [200, 301, 404], content_type: ['text/plain', 'application/json'], cache_control: true },
        });
        notes.approx(subject, 'proxy-cache (memory, honours Cache-Control); cached content types limited to text/plain and application/json, size limits and stale-* not translated');
        break;
      case 'transform': {
        const q = p.request?.query;
        if (q) {
          const pairs = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k}:${v}`);
          list.push({ name: 'request-transformer', config: { ...(q.remove ? { remove: { querystring: q.remove } } : {}), ...(q.rename ? { rename: { querystring: pairs(q.rename) } } : {}), ...(q.set ? { replace: { querystring: pairs(q.set) }, add: { querystring: pairs(q.set) } } : {}) } });
        }
        if (p.request?.body || p.request?.path || p.response?.body) notes.unsupported(subject, `${q ? 'query changes translated (request-transformer); ' : ''}body and path transforms have no Kong open-source plugin`);
        else notes.exact(subject, 'request-transformer (query)');
        break;
      }
      case 'mock':
        if (p.when) {
          notes.unsupported(subject, 'a conditional mock has no Kong equivalent (requests are proxied)');
          break;
        }
        terminate = { name: 'request-termination', config: { status_code: p.status, ...(p.body !== undefined ? { body: p.body } : {}), content_type: p.headers?.['content-type'] ?? 'text/plain' } };
        notes.approx(subject, `request-termination ${p.status}${p.bodyFile ? '; bodyFile not read' : ''}`);
        break;
      case 'compress':
      case 'fault':
        notes.unsupported(subject, p.type === 'compress' ? 'Kong compresses through nginx directives in kong.conf (nginx_proxy_gzip), not a plugin; not exported' : 'Kong open source has no fault-injection plugin');
        break;
    }
  }
  return { list, terminate };
}
