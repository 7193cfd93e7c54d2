/** Switchyard policies as Traefik middlewares (part of the Traefik exporter). */
import type { RoutePlan } from '../config/plan.js';
import type { PolicyConfig } from '../config/policy-schema.js';
import { parseDuration, parseSize } from '../config/units.js';
import type { ExportOptions } from './exporter.js';
import { escapeRegex } from './path-rewrite.js';
import type { TraefikDoc } from './traefik.js';
import { goDuration, type NoteLog } from './translate.js';

type Json = Record<string, unknown>;

/** Adds the middleware for one policy (shared by every route that lists it) and returns its name, or null when not translatable. */
export function traefikPolicy(name: string, p: PolicyConfig, r: RoutePlan, tls: boolean, doc: TraefikDoc, notes: NoteLog, opts: ExportOptions): string | null {
  const subject = `route ${r.name}: policy ${name} (${p.type})`;
  const use = (mw: Json, key = name) => {
    doc.middlewares[key] = mw;
    return key;
  };
  switch (p.type) {
    case 'rate-limit': {
      const source =
        p.by === 'ip' ? { ipStrategy: { depth: 0 } } : p.by.startsWith('header:') ? { requestHeaderName: p.by.slice(7) } : p.by === 'route' ? { requestHost: true } : { ipStrategy: { depth: 0 } };
      const how = p.by === 'ip' || p.by.startsWith('header:') ? `counted per ${p.by}` : p.by === 'route' ? 'counted per request host, not for the route as a whole' : 'counted per client address, not per consumer';
      const fn = p.by === 'ip' || p.by.startsWith('header:') ? notes.exact.bind(notes) : notes.approx.bind(notes);
      fn(subject, `rateLimit average ${p.limit} per ${p.per}, burst ${p.limit}, ${how}${p.plans ? '; per-plan limits not translated' : ''}; Traefik answers 429 without RateLimit-* headers`);
      return use({ rateLimit: { average: p.limit, period: goDuration(parseDuration(p.per)), burst: p.limit, sourceCriterion: source } });
    }
    case 'cors': {
      const exact = p.origins.filter((o) => !o.includes('*') || o === '*');
      const wild = p.origins.filter((o) => o.includes('*') && o !== '*');
      notes.exact(subject, 'headers middleware with accessControl* settings (preflights answered by Traefik)');
      return use({
        headers: {
          ...(exact.length ? { accessControlAllowOriginList: exact } : {}),
          ...(wild.length ? { accessControlAllowOriginListRegex: wild.map((o) => `^${o.split('*').map(escapeRegex).join('[^/]+')}$`) } : {}),
          accessControlAllowMethods: p.methods ?? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
          ...(p.headers ? { accessControlAllowHeaders: p.headers } : {}),
          ...(p.exposeHeaders ? { accessControlExposeHeaders: p.exposeHeaders } : {}),
          ...(p.credentials ? { accessControlAllowCredentials: true } : {}),
          ...(p.maxAge ? { accessControlMaxAge: parseDuration(p.maxAge) / 1000 } : {}),
          addVaryHeader: true,
        },
      });
    }
    case 'ip-filter': {
      if (!p.allow?.length) {
        notes.unsupported(subject, 'Traefik has an allow list only (ipAllowList); a deny-only filter is not translated');
        return null;
      }
      if (p.deny?.length) notes.unsupported(subject, `deny entries (${p.deny.join(', ')}) not translated; only the allow list is enforced`);
      else notes.exact(subject, 'ipAllowList');
      return use({ ipAllowList: { sourceRange: p.allow, ...(p.trustedProxies?.length ? { ipStrategy: { depth: 1 } } : {}) } });
    }
    case 'headers': {
      const reqH: Record<string, string> = {};
      const resH: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...p.request?.add, ...p.request?.set })) reqH[k] = v;
      for (const k of p.request?.remove ?? []) reqH[k] = '';
      for (const [k, v] of Object.entries({ ...p.response?.add, ...p.response?.set })) resH[k] = v;
      for (const k of p.response?.remove ?? []) resH[k] = '';
      const issues = [
        p.request?.add || p.response?.add ? '`add` replaces existing values' : '',
        p.request?.rename || p.response?.rename ? 'rename not translated' : '',
      ].filter(Boolean);
      if (issues.length) notes.approx(subject, `headers middleware (customRequestHeaders/customResponseHeaders; "" removes); ${issues.join('; ')}`);
      else notes.exact(subject, 'headers middleware (customRequestHeaders/customResponseHeaders; "" removes)');
      const s = p.securityHeaders === true ? {} : p.securityHeaders || null;
      const hsts = s && tls && s.hsts !== false ? (s.hsts ?? { maxAge: '365d', includeSubDomains: true, preload: false }) : null;
      return use({
        headers: {
          ...(Object.keys(reqH).length ? { customRequestHeaders: reqH } : {}),
          ...(Object.keys(resH).length ? { customResponseHeaders: resH } : {}),
          ...(hsts ? { stsSeconds: parseDuration(hsts.maxAge) / 1000, stsIncludeSubdomains: hsts.includeSubDomains, stsPreload: hsts.preload } : {}),
          ...(s && s.contentTypeOptions !== false ? { contentTypeNosniff: true } : {}),
          ...(s && s.frameOptions !== false ? { customFrameOptionsValue: s.frameOptions ?? 'DENY' } : {}),
          ...(s && s.referrerPolicy !== false ? { referrerPolicy: s.referrerPolicy ?? 'strict-origin-when-cross-origin' } : {}),
          ...(s?.csp ? { contentSecurityPolicy: s.csp } : {}),
        },
      });
    }
    case 'body-limit':
      notes.approx(subject, `buffering maxRequestBodyBytes ${parseSize(p.maxSize)}: 413 above it, but Traefik buffers whole request bodies`);
      return use({ buffering: { maxRequestBodyBytes: parseSize(p.maxSize) } });
    case 'compress': {
      const enc = (p.algorithms ?? ['br', 'gzip']).filter((a) => a !== 'deflate');
      notes.approx(subject, `compress middleware (${enc.join(', ')})${p.level ? '; level not translated' : ''}${(p.algorithms ?? []).includes('deflate') ? '; deflate not offered by Traefik' : ''}`);
      return use({
        compress: {
          encodings: enc,
          minResponseBodyBytes: p.minSize ? parseSize(p.minSize) : 1024,
          ...(p.contentTypes ? { includedContentTypes: p.contentTypes.filter((c) => !c.endsWith('/*')) } : {}),
        },
      });
    }
    case 'basic-auth': {
      const lines = [...Object.entries(p.users ?? {}).map(([u, h]) => `${u}:${h}`), ...(p.htpasswd ?? [])];
      const crypt = lines.filter((l) => /^\$[56]\$/.test(l.slice(l.indexOf(':') + 1)));
      if (crypt.length) notes.unsupported(subject, `SHA-crypt ($5$/$6$) hashes are not accepted by Traefik: ${crypt.map((l) => l.slice(0, l.indexOf(':'))).join(', ')} cannot log in`);
      const auth: Json = { realm: p.realm ?? 'Switchyard', removeHeader: !p.keep };
      if (opts.includeSecrets && lines.length) auth.users = lines;
      else if (lines.length || p.htpasswdFile) {
        auth.usersFile = p.htpasswdFile ?? `/etc/traefik/htpasswd/${name}`;
        if (!p.htpasswdFile) notes.approx(subject, `password hashes not written: put the users in /etc/traefik/htpasswd/${name} (or export with --include-secrets)`);
      }
      if (!crypt.length) notes.exact(subject, 'basicAuth middleware');
      return use({ basicAuth: auth });
    }
    case 'api-key':
    case 'jwt':
      notes.unsupported(subject, `Traefik's open-source middlewares cannot check ${p.type === 'jwt' ? 'JWTs' : 'API keys'} (use forwardAuth to an auth service); the route is NOT protected`);
      return null;
    case 'cache':
      notes.unsupported(subject, 'Traefik has no HTTP cache middleware');
      return null;
    case 'fault':
    case 'mock':
    case 'transform':
      notes.unsupported(subject, `Traefik has no ${p.type} middleware`);
      return null;
  }
}
