/**
 * Traefik v3 dynamic configuration (file provider), as a field list written
 * from Traefik's routing reference (routers, services, middlewares, servers
 * transports, TLS). Only the parts a Switchyard export can produce are
 * listed in detail; every listed object is closed (unknown keys are errors).
 * Plus the checks a schema cannot make: rule syntax and references.
 */
import { shapeProblems, type Shape } from './shape.js';

const str = 'string' as const;
const list = (s: Shape): Shape => ({ list: s });
const dur: Shape = { goDuration: true };
const strList = list(str);
const cert: Shape = { fields: { certFile: str, keyFile: str, stores: strList }, required: ['certFile', 'keyFile'] };
const sourceCriterion: Shape = {
  fields: { ipStrategy: { fields: { depth: 'int', excludedIPs: strList, ipv6Subnet: 'int' } }, requestHeaderName: str, requestHost: 'bool' },
};
const healthCheck: Shape = {
  fields: {
    scheme: str, mode: { enum: ['http', 'grpc'] }, path: str, method: str, status: 'int', port: 'int', interval: dur, unhealthyInterval: dur,
    timeout: dur, hostname: str, followRedirects: 'bool', headers: { map: str },
  },
};

const middleware: Shape = {
  oneOf: {
    stripPrefix: { fields: { prefixes: strList, forceSlash: 'bool' } },
    replacePathRegex: { fields: { regex: str, replacement: str }, required: ['regex', 'replacement'] },
    redirectRegex: { fields: { regex: str, replacement: str, permanent: 'bool' }, required: ['regex', 'replacement'] },
    redirectScheme: { fields: { scheme: str, port: str, permanent: 'bool' } },
    rateLimit: { fields: { average: 'int', period: dur, burst: 'int', sourceCriterion } },
    ipAllowList: { fields: { sourceRange: strList, ipStrategy: { fields: { depth: 'int', excludedIPs: strList } }, rejectStatusCode: 'int' } },
    buffering: { fields: { maxRequestBodyBytes: 'int', memRequestBodyBytes: 'int', maxResponseBodyBytes: 'int', memResponseBodyBytes: 'int', retryExpression: str } },
    compress: { fields: { encodings: list({ enum: ['gzip', 'br', 'zstd'] }), minResponseBodyBytes: 'int', includedContentTypes: strList, excludedContentTypes: strList, defaultEncoding: str } },
    basicAuth: { fields: { users: strList, usersFile: str, realm: str, removeHeader: 'bool', headerField: str } },
    retry: { fields: { attempts: 'int', initialInterval: dur } },
    headers: {
      fields: {
        customRequestHeaders: { map: str }, customResponseHeaders: { map: str },
        accessControlAllowCredentials: 'bool', accessControlAllowHeaders: strList, accessControlAllowMethods: strList,
        accessControlAllowOriginList: strList, accessControlAllowOriginListRegex: strList, accessControlExposeHeaders: strList,
        accessControlMaxAge: 'int', addVaryHeader: 'bool', allowedHosts: strList, hostsProxyHeaders: strList,
        sslProxyHeaders: { map: str }, stsSeconds: 'int', stsIncludeSubdomains: 'bool', stsPreload: 'bool', forceSTSHeader: 'bool',
        frameDeny: 'bool', customFrameOptionsValue: str, contentTypeNosniff: 'bool', browserXssFilter: 'bool',
        customBrowserXSSValue: str, contentSecurityPolicy: str, contentSecurityPolicyReportOnly: str, publicKey: str,
        referrerPolicy: str, permissionsPolicy: str, isDevelopment: 'bool',
      },
    },
  },
};

const loadBalancer: Shape = {
  fields: {
    strategy: { enum: ['wrr', 'p2c', 'hrw', 'leasttime'] },
    servers: list({ fields: { url: str, weight: 'int', preservePath: 'bool' }, required: ['url'] }),
    sticky: { fields: { cookie: { fields: { name: str, secure: 'bool', httpOnly: 'bool', sameSite: str, maxAge: 'int', path: str, domain: str } } } },
    healthCheck,
    passiveHealthCheck: { fields: { failureWindow: dur, maxFailedAttempts: 'int' } },
    passHostHeader: 'bool',
    responseForwarding: { fields: { flushInterval: dur } },
    serversTransport: str,
  },
  required: ['servers'],
};

const service: Shape = {
  oneOf: {
    loadBalancer,
    failover: { fields: { service: str, fallback: str, healthCheck: { fields: {} } }, required: ['service', 'fallback'] },
    weighted: { fields: { services: list({ fields: { name: str, weight: 'int' } }), sticky: 'any', healthCheck: { fields: {} } } },
  },
};

const router: Shape = {
  fields: {
    entryPoints: strList, rule: str, ruleSyntax: str, priority: 'int', middlewares: strList, service: str,
    tls: { fields: { options: str, certResolver: str, domains: 'any' } },
  },
  required: ['rule', 'service'],
};

const serversTransport: Shape = {
  fields: {
    serverName: str, insecureSkipVerify: 'bool', rootCAs: strList, certificates: list(cert), maxIdleConnsPerHost: 'int', disableHTTP2: 'bool', peerCertURI: str,
    forwardingTimeouts: { fields: { dialTimeout: dur, responseHeaderTimeout: dur, idleConnTimeout: dur, readIdleTimeout: dur, pingTimeout: dur } },
  },
};

export const TRAEFIK_DYNAMIC: Shape = {
  fields: {
    http: { fields: { routers: { map: router }, middlewares: { map: middleware }, services: { map: service }, serversTransports: { map: serversTransport } } },
    tls: {
      fields: {
        certificates: list(cert),
        options: { map: { fields: { minVersion: { enum: ['VersionTLS10', 'VersionTLS11', 'VersionTLS12', 'VersionTLS13'] }, maxVersion: str, cipherSuites: strList, curvePreferences: strList, sniStrict: 'bool', alpnProtocols: strList, clientAuth: 'any', disableSessionTickets: 'bool' } } },
        stores: { map: { fields: { defaultCertificate: cert, defaultGeneratedCert: 'any' } } },
      },
    },
  },
};

/** The v3 rule matchers and how many arguments each takes. */
const MATCHERS: Record<string, number> = {
  Host: 1, HostRegexp: 1, Path: 1, PathPrefix: 1, PathRegexp: 1, Method: 1, Header: 2, HeaderRegexp: 2, Query: 2, QueryRegexp: 2, ClientIP: 1,
};

/** Problems in a v3 rule: matcher names and arity, backtick strings, balanced parentheses, && / || / ! only. */
export function ruleProblems(rule: string): string[] {
  const problems: string[] = [];
  let depth = 0;
  let expectOperand = true;
  const re = /\s*(?:(&&|\|\|)|(!)|(\()|(\))|([A-Za-z]+)\(((?:\s*`[^`]*`\s*,?)*)\))/y;
  let i = 0;
  while (i < rule.length) {
    re.lastIndex = i;
    const m = re.exec(rule);
    if (!m) {
      problems.push(`cannot parse rule at "${rule.slice(i)}"`);
      break;
    }
    i = re.lastIndex;
    const [, op, not, open, close, name, args] = m;
    if (op) {
      if (expectOperand) problems.push(`operator ${op} without a left operand`);
      expectOperand = true;
    } else if (not) {
      if (!expectOperand) problems.push('! after an operand');
    } else if (open) {
      depth++;
      expectOperand = true;
    } else if (close) {
      depth--;
      if (depth < 0) problems.push('unbalanced )');
      expectOperand = false;
    } else if (name) {
      if (!expectOperand) problems.push(`${name} follows an operand without && or ||`);
      const count = (args.match(/`[^`]*`/g) ?? []).length;
      if (!(name in MATCHERS)) problems.push(`unknown matcher ${name}`);
      else if (MATCHERS[name] !== count) problems.push(`${name} takes ${MATCHERS[name]} argument(s), got ${count}`);
      expectOperand = false;
    }
  }
  if (depth !== 0) problems.push('unbalanced (');
  if (expectOperand) problems.push('rule ends with an operator');
  return problems;
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Field list, rule syntax, and every router's service, middlewares and transport defined. */
export function traefikProblems(config: Any): string[] {
  const problems = shapeProblems(config, TRAEFIK_DYNAMIC);
  const http = config.http ?? {};
  const defined = (kind: string, name: string) => name.endsWith('@internal') || name in (http[kind] ?? {});
  for (const [name, r] of Object.entries<Any>(http.routers ?? {})) {
    problems.push(...ruleProblems(r.rule ?? '').map((p) => `router ${name}: ${p}`));
    if (!defined('services', r.service)) problems.push(`router ${name}: service ${r.service} is not defined`);
    for (const m of r.middlewares ?? []) if (!defined('middlewares', m)) problems.push(`router ${name}: middleware ${m} is not defined`);
  }
  for (const [name, s] of Object.entries<Any>(http.services ?? {})) {
    const transport = s.loadBalancer?.serversTransport;
    if (transport && !defined('serversTransports', transport)) problems.push(`service ${name}: serversTransport ${transport} is not defined`);
    for (const ref of [s.failover?.service, s.failover?.fallback].filter(Boolean)) if (!defined('services', ref)) problems.push(`service ${name}: ${ref} is not defined`);
  }
  return problems;
}
