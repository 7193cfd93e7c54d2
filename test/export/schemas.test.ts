/**
 * The Envoy, Traefik, Kong and Gateway API exports checked against those
 * projects' published schemas or field lists, as far as they can be had
 * offline (see each checker for its source):
 * - Envoy: Envoy's v3 API protos (envoy-proto.ts), every key, enum, scalar and Any.
 * - Gateway API: the v1 CRD schemas (closed) and kubernetes-models validators (k8s-checks.ts).
 * - Traefik: a field list of the v3 dynamic configuration, rule syntax, references (traefik-fields.ts).
 * - Kong: a field list of decK 3.0 entities and plugin configs, references (kong-fields.ts).
 * Each checker is also shown to reject a broken document, so a pass means something.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadWorkspaceFile, loadWorkspaceText } from '../../src-proxy/config/load.js';
import type { Plan } from '../../src-proxy/config/plan.js';
import { renderExport } from '../../src-proxy/export/index.js';
import { projectRoot } from '../../src-proxy/project-root.js';
import { envoyProblems } from './envoy-proto.js';
import { gatewayReferenceProblems, k8sProblems } from './k8s-checks.js';
import { kongProblems } from './kong-fields.js';
import { ruleProblems, traefikProblems } from './traefik-fields.js';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const examplesDir = join(projectRoot(), 'resources', 'examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml')).sort();

/** Every policy type, TLS both ways, hashing, fixed responses: the widest export. */
const EVERYTHING = `
version: 1
listeners:
  - { name: web, address: 127.0.0.1:8080, redirectTo: secure, limits: { maxBodySize: 10MB, maxHeaderSize: 16KB } }
  - name: secure
    address: 127.0.0.1:8443
    http2: true
    tls: { minVersion: TLSv1.3, certificates: [{ cert: /tls/a.crt, key: /tls/a.key }, { cert: /tls/b.crt, key: /tls/b.key, hosts: [b.example.test] }] }
routes:
  - { name: jwt, match: { host: "*.example.test", path: /jwt, query: { v: "2" } }, policies: [jwt-hs, cors, fault, compress, cache], upstream: tls-up }
  - { name: jwks, match: { path: /jwks, headers: { x-a: { regex: "^a+$" }, x-b: { present: true } } }, policies: [jwt-jwks, basic, headers, body, transform], upstream: hashed }
  - { name: mock, match: { path: /mock, methods: [GET] }, policies: [mock], upstream: hashed }
  - { name: ip, match: { pathRegex: "^/ip/(?<id>[0-9]+)$" }, rewrite: { regex: { pattern: "^/ip/(?<id>[0-9]+)$", replacement: "/addr/$<id>" } }, policies: [ips, keys, limit], upstream: sticky }
  - { name: moved, match: { path: /old }, redirect: { to: "/new", status: 308 } }
upstreams:
  tls-up:
    balancer: p2c
    http2: true
    tls: { ca: [/tls/ca.pem], servername: api.internal, cert: /tls/client.crt, key: /tls/client.key }
    targets: [{ url: "https://10.0.0.1:8443" }, { url: "https://api.internal:8443", backup: true }]
    outlierDetection: { consecutiveFailures: 2, ejectFor: 10s }
    timeouts: { connect: 1s, response: 10s, idle: 20s }
    keepAlive: { connections: 16, idleTimeout: 5s }
    retry: { attempts: 1, on: [timeout, reset, 502] }
  hashed:
    balancer: consistent-hash
    hashOn: cookie:session
    slowStart: 10s
    hostHeader: target
    targets: [{ url: "http://10.0.0.2:80", weight: 2 }, { url: "http://10.0.0.3:80" }]
    healthCheck: { path: /hc, interval: 1s, timeout: 500ms, expectStatus: "200,204", host: hc.internal }
  sticky:
    balancer: random
    hostHeader: fixed.internal
    sticky: { cookie: sy, ttl: 10m }
    targets: [{ url: "http://10.0.0.4:80" }]
policies:
  jwt-hs: { type: jwt, algorithms: [HS256], secret: s3cr3t, issuer: me, audience: [you], forwardClaims: { sub: x-user } }
  jwt-jwks: { type: jwt, algorithms: [RS256], jwksUrl: "https://idp.example.test/.well-known/jwks.json", cookie: tok }
  cors: { type: cors, origins: ["*"], methods: [GET], headers: [x-a], exposeHeaders: [x-b], maxAge: 1m }
  fault: { type: fault, percentage: 5, delay: 100ms, abort: { status: 503 }, when: { headers: { x-chaos: "1" } } }
  compress: { type: compress, algorithms: [br, zstd, gzip, deflate], level: 5, contentTypes: [application/json, "text/*"] }
  cache: { type: cache, defaultTtl: 1m }
  basic: { type: basic-auth, users: { a: "{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=", b: "$2y$05$abcdefghijklmnopqrstuu0123456789012345678901234567890" } }
  headers: { type: headers, request: { rename: { x-old: x-new }, add: { x-add: "1" } }, response: { set: { x-set: "1" } }, securityHeaders: { frameOptions: SAMEORIGIN, csp: "default-src 'self'" } }
  body: { type: body-limit, maxSize: 1MB }
  transform: { type: transform, request: { query: { set: { a: "1" }, remove: [b] } } }
  mock: { type: mock, status: 418, body: teapot, headers: { content-type: text/plain } }
  ips: { type: ip-filter, allow: [10.0.0.0/8, "::1/128"], deny: [10.1.0.0/16] }
  keys: { type: api-key, query: key, keys: { k1: { consumer: a, plan: gold } } }
  limit: { type: rate-limit, limit: 5, per: 30s, by: header:x-client }
`;

function everything(): Plan {
  const { plan, issues } = loadWorkspaceText(EVERYTHING, 'everything.yaml');
  if (!plan) throw new Error(issues.map((i) => `${i.line}:${i.column} ${i.message}`).join('\n'));
  return plan;
}

async function plans(): Promise<[string, Plan][]> {
  const out: [string, Plan][] = [['everything (test workspace)', everything()]];
  for (const f of examples) {
    const { plan } = await loadWorkspaceFile(join(examplesDir, f));
    if (plan) out.push([f, plan]);
  }
  return out;
}

describe('Envoy export against Envoy\'s v3 API protos', () => {
  it('every example and the everything workspace', async () => {
    for (const [name, plan] of await plans()) {
      for (const includeSecrets of [false, true]) {
        expect(envoyProblems(parse(renderExport(plan, 'envoy', { includeSecrets }).text)), name).toEqual([]);
      }
    }
  });

  it('rejects unknown fields, bad enums, bad durations and unknown @types', () => {
    const config = parse(renderExport(everything(), 'envoy').text) as Any;
    const cluster = config.static_resources.clusters[0];
    cluster.lb_policy = 'LEAST_CONNECTIONS';
    cluster.connect_timeout = '2 seconds';
    cluster.colour = 'red';
    config.static_resources.listeners[0].filter_chains[0].filters[0].typed_config['@type'] = 'type.googleapis.com/envoy.Nope';
    const problems = envoyProblems(config);
    expect(problems.some((p) => p.includes('"LEAST_CONNECTIONS" is not a value'))).toBe(true);
    expect(problems.some((p) => p.includes('expected a duration'))).toBe(true);
    expect(problems.some((p) => p.includes('.colour: no such field'))).toBe(true);
    expect(problems.some((p) => p.includes('unknown @type envoy.Nope'))).toBe(true);
  });
});

describe('Gateway API export against the v1 CRD schemas and Kubernetes models', () => {
  it('every example and the everything workspace', async () => {
    for (const [name, plan] of await plans()) {
      const docs = parseAllDocuments(renderExport(plan, 'gateway-api').text).map((d) => d.toJS() as Any);
      expect(docs.map((d) => d.kind), name).toContain('Gateway');
      expect(docs.flatMap(k8sProblems), name).toEqual([]);
      expect(gatewayReferenceProblems(docs), name).toEqual([]);
    }
  });

  it('rejects unknown fields, bad enums and dangling references', () => {
    const docs = parseAllDocuments(renderExport(everything(), 'gateway-api').text).map((d) => d.toJS() as Any);
    const route = docs.find((d) => d.kind === 'HTTPRoute' && d.spec.rules[0].backendRefs)!;
    route.spec.rules[0].matches[0].path.type = 'Prefix';
    route.spec.rules[0].retries = 3;
    route.spec.rules[0].backendRefs[0].name = 'ghost';
    const service = docs.find((d) => d.kind === 'Service')!;
    service.spec.colour = 'red';
    const problems = [...docs.flatMap(k8sProblems), ...gatewayReferenceProblems(docs)];
    expect(problems.some((p) => p.includes('must be equal to one of the allowed values'))).toBe(true);
    expect(problems.some((p) => p.includes('(retries)'))).toBe(true);
    expect(problems.some((p) => p.includes('backend ghost is not a Service'))).toBe(true);
    expect(problems.some((p) => p.includes('.spec.colour: unknown field'))).toBe(true);
  });
});

describe('Traefik export against the v3 dynamic configuration field list', () => {
  it('every example and the everything workspace', async () => {
    for (const [name, plan] of await plans()) {
      for (const includeSecrets of [false, true]) {
        expect(traefikProblems(parse(renderExport(plan, 'traefik', { includeSecrets }).text)), name).toEqual([]);
      }
    }
  });

  it('rejects unknown fields, bad durations, bad rules and dangling references', () => {
    const config = parse(renderExport(everything(), 'traefik').text) as Any;
    const [routerName, router] = Object.entries<Any>(config.http.routers)[0];
    router.rule = 'PathPrefix(`/a`) && Hostname(`x`)';
    router.middlewares = ['ghost'];
    config.http.serversTransports['tls-up'].forwardingTimeouts.dialTimeout = '2 seconds';
    config.http.services['tls-up-primary'].loadBalancer.colour = 'red';
    const problems = traefikProblems(config);
    expect(problems).toContain(`router ${routerName}: unknown matcher Hostname`);
    expect(problems).toContain(`router ${routerName}: middleware ghost is not defined`);
    expect(problems.some((p) => p.includes('expected a Go duration'))).toBe(true);
    expect(problems.some((p) => p.includes('.loadBalancer.colour: unknown field'))).toBe(true);
    expect(ruleProblems('(Path(`/a`) || PathPrefix(`/a/`)) && !HeaderRegexp(`x`, `.*`)')).toEqual([]);
    expect(ruleProblems('Path(`/a`, `/b`) ||')).toEqual(['Path takes 1 argument(s), got 2', 'rule ends with an operator']);
  });
});

describe('Kong export against the decK 3.0 field list', () => {
  it('every example and the everything workspace', async () => {
    for (const [name, plan] of await plans()) {
      for (const includeSecrets of [false, true]) {
        expect(kongProblems(parse(renderExport(plan, 'kong', { includeSecrets }).text)), name).toEqual([]);
      }
    }
  });

  it('rejects unknown fields, unknown plugins, bad plugin config and dangling hosts', () => {
    const config = parse(renderExport(everything(), 'kong').text) as Any;
    config.services[0].host = 'ghost';
    config.services[0].routes[0].colour = 'red';
    config.upstreams[0].algorithm = 'random';
    const route = config.services.flatMap((s: Any) => s.routes).find((r: Any) => r.plugins?.length);
    route.plugins.push({ name: 'nope' }, { name: 'cors', config: { origin: ['*'] } });
    const problems = kongProblems(config);
    expect(problems.some((p) => p.includes('host ghost is not an upstream'))).toBe(true);
    expect(problems.some((p) => p.includes('.colour: unknown field'))).toBe(true);
    expect(problems.some((p) => p.includes('"random" is not one of'))).toBe(true);
    expect(problems.some((p) => p.includes('"nope" is not one of'))).toBe(true);
    expect(problems.some((p) => p.includes('plugin cors.origin: unknown field'))).toBe(true);
  });
});
