import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportKong } from './kong.js';
import { notesAbout, planOf } from './test-workspace.js';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const WORKSPACE = `
version: 1
listeners:
  - { name: web, address: 127.0.0.1:8080 }
routes:
  - name: users
    match: { host: api.localhost, path: /v2/users, methods: [GET] }
    rewrite: { stripPrefix: /v2 }
    policies: [keys, per-consumer, cors]
    upstream: users
  - name: whole
    match: { path: /api }
    rewrite: { stripPrefix: /api }
    upstream: hashed
  - name: query
    match: { path: /q, query: { v: "1" } }
    upstream: users
  - name: ping
    match: { path: /ping, exact: true }
    respond: { status: 200, body: pong, headers: { content-type: text/plain } }
upstreams:
  users:
    balancer: least-connections
    targets:
      - { url: http://127.0.0.1:9001, weight: 3 }
      - { url: http://127.0.0.1:9002, backup: true }
    healthCheck: { path: /health, interval: 2s, timeout: 1s, expectStatus: "200,204" }
    outlierDetection: { consecutiveFailures: 3 }
  hashed:
    balancer: consistent-hash
    hashOn: header:x-tenant
    targets: [{ url: http://127.0.0.1:9003 }]
policies:
  keys: { type: api-key, keys: { k-secret: { consumer: acme, plan: gold } } }
  per-consumer: { type: rate-limit, limit: 100, per: 1m, by: consumer }
  cors: { type: cors, origins: ["https://app.example.test"] }
`;

describe('exportKong', () => {
  const result = exportKong(planOf(WORKSPACE), { includeSecrets: false });
  const config = parse(result.text) as Any;
  const services = Object.fromEntries((config.services as Any[]).map((s) => [s.name, s]));

  it('writes decK 3.0 with services pointing at upstreams', () => {
    expect(config._format_version).toBe('3.0');
    expect(services.users).toMatchObject({ host: 'users', port: 9001, protocol: 'http', connect_timeout: 5000, read_timeout: 60000, retries: 0 });
  });

  it('matches segment-bounded prefixes with a regex and a prefix path, and rewrites through captures', () => {
    const users = services.users.routes.find((r: Any) => r.name === 'users');
    expect(users).toMatchObject({ hosts: ['api.localhost'], methods: ['GET'], paths: ['~/v2(?<rest>/users(?:/.*)?)$'], strip_path: false, preserve_host: true });
    expect(users.plugins[0]).toEqual({ name: 'request-transformer', config: { replace: { uri: '$(uri_captures.rest)' } } });
    const whole = services.hashed.routes[0];
    expect(whole).toMatchObject({ paths: ['~/api$', '/api/'], strip_path: true });
  });

  it('leaves out routes it cannot match (query conditions), with a note', () => {
    expect(JSON.stringify(config)).not.toContain('"query"');
    expect(notesAbout(result, 'route query')).toEqual([expect.stringMatching(/^unsupported: Kong routes cannot match query/)]);
  });

  it('answers fixed responses with request-termination on a service-less route', () => {
    expect(config.routes[0]).toMatchObject({ name: 'ping', paths: ['~/ping$'], plugins: [{ name: 'request-termination', config: { status_code: 200, body: 'pong', content_type: 'text/plain' } }] });
  });

  it('maps balancers, hashing, health checks; backups are reported and left out', () => {
    const ups = Object.fromEntries((config.upstreams as Any[]).map((u) => [u.name, u]));
    expect(ups.users).toMatchObject({ algorithm: 'least-connections', targets: [{ target: '127.0.0.1:9001', weight: 3 }] });
    expect(ups.users.healthchecks.active).toMatchObject({ http_path: '/health', timeout: 1, healthy: { interval: 2, successes: 2, http_statuses: [200, 204] } });
    expect(ups.users.healthchecks.passive.unhealthy).toEqual({ http_failures: 3, tcp_failures: 3, timeouts: 3 });
    expect(ups.hashed).toMatchObject({ algorithm: 'consistent-hashing', hash_on: 'header', hash_on_header: 'x-tenant' });
    expect(notesAbout(result, 'upstream users: backup targets')).toEqual([expect.stringMatching(/^unsupported: Kong has no backup targets/)]);
  });

  it('turns policies into plugins and keys into consumers with decK env references', () => {
    const users = services.users.routes.find((r: Any) => r.name === 'users');
    expect(users.plugins.map((p: Any) => p.name)).toEqual(['request-transformer', 'key-auth', 'rate-limiting', 'cors']);
    expect(users.plugins[2].config).toEqual({ minute: 100, limit_by: 'consumer', policy: 'local' });
    expect(config.consumers).toEqual([{ username: 'acme', keyauth_credentials: [{ key: '${{ env "DECK_SWITCHYARD_SECRET_KEYS_KEY_1" }}' }] }]);
    expect(result.text).not.toContain('k-secret');
    const clear = parse(exportKong(planOf(WORKSPACE), { includeSecrets: true }).text) as Any;
    expect(clear.consumers[0].keyauth_credentials).toEqual([{ key: 'k-secret' }]);
  });
});
