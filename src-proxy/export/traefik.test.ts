import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportTraefik } from './traefik.js';
import { notesAbout, planOf } from './test-workspace.js';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const WORKSPACE = `
version: 1
listeners:
  - { name: web, address: 127.0.0.1:8080 }
routes:
  - name: users
    match: { host: [api.localhost, "*.api.test"], path: /v2/users, methods: [GET, POST], headers: { x-beta: "1", x-gone: { present: false } }, query: { v: { regex: "^[0-9]+$" } } }
    rewrite: { stripPrefix: /v2 }
    policies: [per-ip, admins, keys]
    upstream: users
  - name: exact
    match: { path: /health, exact: true }
    upstream: users
  - name: ping
    match: { path: /ping }
    respond: { body: pong }
  - name: docs
    match: { pathRegex: "^/docs/(.*)$" }
    redirect: { to: "https://docs.localhost/$1", status: 302 }
upstreams:
  users:
    balancer: weighted-round-robin
    sticky: { cookie: swy, ttl: 1h }
    targets:
      - { url: http://127.0.0.1:9001, weight: 3 }
      - { url: http://127.0.0.1:9002, weight: 1 }
      - { url: http://127.0.0.1:9003, backup: true }
    healthCheck: { path: /health, interval: 2s, timeout: 1s }
    retry: { attempts: 2 }
policies:
  per-ip: { type: rate-limit, limit: 10, per: 1s }
  admins: { type: basic-auth, users: { ops: "$2y$05$abcdefghijklmnopqrstuu0123456789012345678901234567890" } }
  keys: { type: api-key, keys: { k1: { consumer: a } } }
`;

describe('exportTraefik', () => {
  const result = exportTraefik(planOf(WORKSPACE), { includeSecrets: false });
  const http = (parse(result.text) as Any).http;

  it('writes rules with segment-bounded prefixes, wildcard hosts, methods, headers, absence and query', () => {
    expect(http.routers.users.rule).toBe(
      '(Host(`api.localhost`) || HostRegexp(`^.+\\.api\\.test$`)) && (Path(`/v2/users`) || PathPrefix(`/v2/users/`)) && (Method(`GET`) || Method(`POST`)) && Header(`x-beta`, `1`) && !HeaderRegexp(`x-gone`, `.*`) && QueryRegexp(`v`, `^[0-9]+$`)',
    );
    expect(http.routers.exact.rule).toBe('Path(`/health`)');
  });

  it('keeps Switchyard\'s order through explicit priorities', () => {
    const order = Object.entries(http.routers as Record<string, Any>).sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
    expect(order).toEqual(['exact', 'users', 'docs']);
  });

  it('leaves out fixed responses with a note (Traefik cannot answer itself)', () => {
    expect(http.routers.ping).toBeUndefined();
    expect(notesAbout(result, 'route ping')).toEqual([expect.stringMatching(/^unsupported: Traefik cannot answer directly/)]);
  });

  it('rewrites with replacePathRegex and redirects with redirectRegex', () => {
    expect(http.middlewares['users-rewrite']).toEqual({ replacePathRegex: { regex: '^/v2(?:/(.*))?$', replacement: '/${1}' } });
    expect(http.middlewares['docs-redirect'].redirectRegex).toEqual({ regex: '^(https?://[^/]+)/docs/(.*)(?:\\?.*)?$', replacement: 'https://docs.localhost/${2}', permanent: false });
    expect(http.routers.docs.service).toBe('noop@internal');
  });

  it('chains the route\'s policies, then the rewrite and the retry', () => {
    expect(http.routers.users.middlewares).toEqual(['per-ip', 'admins', 'users-rewrite', 'users-retry']);
    expect(http.middlewares['per-ip'].rateLimit).toEqual({ average: 10, period: '1s', burst: 10, sourceCriterion: { ipStrategy: { depth: 0 } } });
    expect(notesAbout(result, 'route users: policy keys')).toEqual([expect.stringMatching(/^unsupported: .*NOT protected/)]);
  });

  it('keeps password hashes out unless secrets are included', () => {
    expect(http.middlewares.admins.basicAuth).toEqual({ realm: 'Switchyard', removeHeader: true, usersFile: '/etc/traefik/htpasswd/admins' });
    expect(result.text).not.toContain('$2y$05$');
    const clear = parse(exportTraefik(planOf(WORKSPACE), { includeSecrets: true }).text) as Any;
    expect(clear.http.middlewares.admins.basicAuth.users).toEqual(['ops:$2y$05$abcdefghijklmnopqrstuu0123456789012345678901234567890']);
  });

  it('builds weighted services with stickiness and health checks, and a failover pool for backups', () => {
    expect(http.services.users).toEqual({ failover: { service: 'users-primary', fallback: 'users-backup', healthCheck: {} } });
    expect(http.services['users-primary'].loadBalancer).toMatchObject({
      servers: [
        { url: 'http://127.0.0.1:9001', weight: 3 },
        { url: 'http://127.0.0.1:9002', weight: 1 },
      ],
      sticky: { cookie: { name: 'swy', httpOnly: true, maxAge: 3600 } },
      healthCheck: { path: '/health', interval: '2s', timeout: '1s' },
      passHostHeader: true,
    });
    expect(http.serversTransports.users.forwardingTimeouts).toEqual({ dialTimeout: '5s', responseHeaderTimeout: '1m', idleConnTimeout: '30s' });
  });
});

describe('exportTraefik balancers', () => {
  it('maps p2c and ip-hash to Traefik strategies, outlier detection to passive health checks, and reports hashing it cannot do', () => {
    const result = exportTraefik(
      planOf(`
version: 1
listeners: [{ name: web, address: 127.0.0.1:8080, limits: { maxBodySize: 1MB } }]
routes:
  - { name: a, match: { path: /a }, upstream: p2c }
  - { name: b, match: { path: /b }, upstream: iphash }
  - { name: c, match: { path: /c }, upstream: byheader }
upstreams:
  p2c: { balancer: p2c, outlierDetection: { consecutiveFailures: 3, ejectFor: 30s }, targets: [{ url: http://127.0.0.1:9001 }] }
  iphash: { balancer: ip-hash, targets: [{ url: http://127.0.0.1:9002 }] }
  byheader: { balancer: consistent-hash, hashOn: header:x-user, targets: [{ url: http://127.0.0.1:9003 }] }
`),
      { includeSecrets: false },
    );
    const services = (parse(result.text) as Any).http.services;
    expect(services.p2c.loadBalancer).toMatchObject({ strategy: 'p2c', passiveHealthCheck: { failureWindow: '30s', maxFailedAttempts: 3 } });
    expect(services.iphash.loadBalancer.strategy).toBe('hrw');
    expect(services.byheader.loadBalancer.strategy).toBeUndefined();
    expect(notesAbout(result, 'upstream byheader: balancer')).toEqual([expect.stringMatching(/^unsupported: Traefik hashes only on the client address/)]);
    expect(notesAbout(result, 'listener web: limits')).toEqual([expect.stringMatching(/^unsupported: /)]);
  });
});
