import { describe, expect, it } from 'vitest';
import { matchRoute, type MatchInput } from '../router/match-route.js';
import { compileWorkspace } from './compile.js';
import type { Plan } from './plan.js';
import { workspaceSchema } from './schema.js';

const LISTENERS = [{ name: 'web', address: '127.0.0.1:0' }];

/** Compiles a workspace given as a JS object (the shape YAML parses to). */
function compile(ws: Record<string, unknown>) {
  return compileWorkspace(workspaceSchema.parse({ version: 1, listeners: LISTENERS, ...ws }));
}

function plan(ws: Record<string, unknown>): Plan {
  const { plan, issues } = compile(ws);
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  return plan;
}

const errors = (ws: Record<string, unknown>) =>
  compile(ws).issues.filter((i) => i.severity === 'error').map((i) => ({ path: i.path.join('.'), message: i.message }));
const warnings = (ws: Record<string, unknown>) =>
  compile(ws).issues.filter((i) => i.severity === 'warning').map((i) => ({ path: i.path.join('.'), message: i.message }));

/** Routes answering directly, so no upstreams are needed. */
const routes = (...rs: Record<string, unknown>[]) => ({ routes: rs.map((r) => ({ respond: {}, ...r })) });
const order = (...rs: Record<string, unknown>[]) => plan(routes(...rs)).routes.map((r) => r.name);

function request(p: Plan, path: string, more: Partial<MatchInput> = {}): string | null {
  const input: MatchInput = { listener: 'web', host: 'localhost', method: 'GET', path, query: '', headers: {}, ...more };
  return matchRoute(p.routes, input)?.route.name ?? null;
}

describe('route order: most specific first', () => {
  it('explicit priority first (higher first, negative last), whatever the path', () => {
    expect(
      order(
        { name: 'exact', match: { path: '/a', exact: true } },
        { name: 'low', priority: -1, match: { path: '/a/b/c' } },
        { name: 'any', priority: 10 },
        { name: 'regex', priority: 5, match: { pathRegex: '^/' } },
      ),
    ).toEqual(['any', 'regex', 'exact', 'low']);
  });

  it('then exact paths (longer first), then prefixes (longer first), then regex, then no path', () => {
    expect(
      order(
        { name: 'none' },
        { name: 'regex', match: { pathRegex: '^/a/b/c/d' } },
        { name: 'root', match: { path: '/' } },
        { name: 'ab', match: { path: '/a/b' } },
        { name: 'exact-a', match: { path: '/a', exact: true } },
        { name: 'abc', match: { path: '/a/b/c' } },
        { name: 'exact-ab', match: { path: '/a/b', exact: true } },
      ),
    ).toEqual(['exact-ab', 'exact-a', 'abc', 'ab', 'root', 'regex', 'none']);
  });

  it('among equal paths: exact host, then wildcard host, then any host', () => {
    expect(
      order(
        { name: 'any-host', match: { path: '/x' } },
        { name: 'wildcard', match: { path: '/x', host: '*.example.test' } },
        { name: 'exact-host', match: { path: '/x', host: 'api.example.test' } },
        { name: 'mixed', match: { path: '/x', host: ['*.example.test', 'www.example.test'] } },
      ),
    ).toEqual(['exact-host', 'mixed', 'wildcard', 'any-host']);
  });

  it('path specificity outranks host specificity', () => {
    expect(order({ name: 'host', match: { host: 'a.test', path: '/' } }, { name: 'path', match: { path: '/deep/er' } })).toEqual(['path', 'host']);
  });

  it('then file order; methods, headers and query do not change the order', () => {
    expect(
      order(
        { name: 'first', match: { path: '/x' } },
        { name: 'second', match: { path: '/x', methods: ['GET'], headers: { 'x-a': '1' }, query: { q: '1' } } },
        { name: 'third', match: { path: '/x' } },
      ),
    ).toEqual(['first', 'second', 'third']);
  });

  it('the first matching route in that order answers', () => {
    const p = plan(
      routes(
        { name: 'catch-all' },
        { name: 'users', match: { path: '/v2/users' } },
        { name: 'users-exact', match: { path: '/v2/users', exact: true } },
        { name: 'v2', match: { path: '/v2' } },
        { name: 'numeric', match: { pathRegex: '^/v2/users/(\\d+)$' } },
        { name: 'numeric-first', priority: 1, match: { pathRegex: '^/v2/items/(\\d+)$' } },
        { name: 'api-host', match: { path: '/v2', host: 'api.localhost' } },
      ),
    );
    expect(request(p, '/v2/users')).toBe('users-exact');
    expect(request(p, '/v2/users/7')).toBe('users'); // a prefix beats a regex
    expect(request(p, '/v2/usersX')).toBe('v2'); // prefixes end on segment boundaries
    expect(request(p, '/v2/items/7')).toBe('numeric-first');
    expect(request(p, '/v2/other', { host: 'api.localhost' })).toBe('api-host');
    expect(request(p, '/v3')).toBe('catch-all');
  });

  it('the compiled plan is frozen', () => {
    const p = plan(routes({ name: 'a' }));
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.routes)).toBe(true);
    expect(Object.isFrozen(p.routes[0])).toBe(true);
    expect(Object.isFrozen(p.listeners[0])).toBe(true);
  });
});

describe('routes: what compiles into the plan', () => {
  it('hosts are lower-cased; "*.x" becomes a suffix; a wildcard elsewhere is an error', () => {
    const r = plan(routes({ name: 'a', match: { host: ['API.Example.TEST', '*.Example.test'] } })).routes[0];
    expect([...r.match.hosts!]).toEqual(['api.example.test']);
    expect(r.match.hostSuffixes).toEqual(['.example.test']);
    expect(errors(routes({ name: 'a', match: { host: 'api.*.test' } }))).toEqual([
      { path: 'routes.0.match.host', message: 'host "api.*.test" can never match: a wildcard is only allowed as the first label ("*.example.test")' },
    ]);
  });

  it('a fully qualified host (trailing dot) is matched without its dot; [::1] is an IPv6 host', () => {
    const r = plan(routes({ name: 'a', match: { host: ['api.example.test.', '*.example.test.', '[::1]'] } })).routes[0];
    expect([...r.match.hosts!]).toEqual(['api.example.test', '[::1]']);
    expect(r.match.hostSuffixes).toEqual(['.example.test']);
  });

  it('conditions no request can meet are errors, each at its place', () => {
    const e = errors(
      routes(
        { name: 'a', match: { host: ['Exa mple', '*.', 'api.localhost:8080', '2001:db8:0:0:0:0:0:1', 'bücher.example', 'a..b'] } },
        { name: 'b', match: { path: '/j?x=1' } },
        { name: 'c', match: { path: '/l/../m' } },
        { name: 'd', match: { path: '/x/./y' } },
      ),
    );
    expect(e.map((x) => x.path)).toEqual([
      'routes.0.match.host.0',
      'routes.0.match.host.1',
      'routes.0.match.host.2',
      'routes.0.match.host.3',
      'routes.0.match.host.4',
      'routes.0.match.host.5',
      'routes.1.match.path',
      'routes.2.match.path',
      'routes.3.match.path',
    ]);
    expect(e[0]!.message).toBe('host "Exa mple" can never match: a host name has only letters, digits, "-", "_" and dots between non-empty labels');
    expect(e[1]!.message).toMatch(/a wildcard needs a domain after it/);
    expect(e[2]!.message).toMatch(/without the port/);
    expect(e[3]!.message).toMatch(/\[2001:db8:0:0:0:0:0:1\]/);
    expect(e[4]!.message).toMatch(/xn--/);
    expect(e[6]!.message).toMatch(/query/);
    expect(e[7]!.message).toMatch(/dot segments/);
  });

  it('$N and $<name> must name a capture the route\'s regex has', () => {
    const redirect = (match: Record<string, unknown>, to: string) => routes({ name: 'r', match, redirect: { to }, respond: undefined });
    expect(errors(redirect({ path: '/x' }, '/y/$1'))).toEqual([{ path: 'routes.0.redirect.to', message: '$1 refers to a capture of match.pathRegex, which this route does not have' }]);
    expect(errors(redirect({ pathRegex: '^/(a)(?<b>b)$' }, '/$2/$<b>/$0/{path}'))).toEqual([]);
    expect(errors(redirect({ pathRegex: '^/(a)(?<b>b)$' }, '/$3'))).toEqual([{ path: 'routes.0.redirect.to', message: '$3 refers to capture 3, but match.pathRegex has only 2' }]);
    expect(errors(redirect({ pathRegex: '^/(a)(?<b>b)$' }, '/$<nope>'))).toEqual([{ path: 'routes.0.redirect.to', message: '$<nope> refers to a group match.pathRegex does not name (it has <b>)' }]);
    const rewrite = (replacement: string) =>
      errors({ routes: [{ name: 'w', match: { path: '/' }, rewrite: { regex: { pattern: '^/(u)$', replacement } }, upstream: 'u' }], upstreams: { u: { targets: [{ url: 'http://127.0.0.1:1' }] } } });
    expect(rewrite('/users/$1/$$2')).toEqual([]);
    expect(rewrite('/users/$2')).toEqual([{ path: 'routes.0.rewrite.regex.replacement', message: '$2 refers to capture 2, but rewrite.regex.pattern has only 1' }]);
  });

  it('header names are case-insensitive, query names are not; the three condition forms', () => {
    const r = plan(
      routes({ name: 'a', match: { headers: { 'X-Beta': '1', 'X-Debug': { present: false }, 'X-Tenant': { regex: '^t-' } }, query: { Preview: 'true' } } }),
    ).routes[0];
    const headers = Object.fromEntries(r.match.headers);
    expect(Object.keys(headers)).toEqual(['x-beta', 'x-debug', 'x-tenant']);
    expect([headers['x-beta']('1'), headers['x-beta']('2'), headers['x-beta'](undefined)]).toEqual([true, false, false]);
    expect([headers['x-debug'](undefined), headers['x-debug']('')]).toEqual([true, false]);
    expect([headers['x-tenant']('t-1'), headers['x-tenant']('u-1'), headers['x-tenant'](undefined)]).toEqual([true, false, false]);
    expect(r.match.query.map(([name]) => name)).toEqual(['Preview']);
  });

  it('respond, redirect and proxy actions with their defaults', () => {
    const p = plan({
      upstreams: { u: { targets: [{ url: 'http://127.0.0.1:9001' }] } },
      routes: [
        { name: 'respond', match: { path: '/r' }, respond: { body: 'pong', headers: { 'content-type': 'text/plain' } } },
        { name: 'redirect', match: { path: '/d' }, redirect: { to: 'https://example.test{path}' } },
        { name: 'proxy', match: { path: '/p' }, upstream: 'u' },
      ],
    });
    const byName = Object.fromEntries(p.routes.map((r) => [r.name, r]));
    expect(byName.respond.action).toEqual({ kind: 'respond', status: 200, body: Buffer.from('pong'), headers: { 'content-type': 'text/plain' } });
    expect(byName.redirect.action).toEqual({ kind: 'redirect', to: 'https://example.test{path}', status: 302 });
    expect(byName.proxy.action).toEqual({ kind: 'proxy', upstream: 'u' });
    expect(byName.proxy.listeners).toBeNull(); // every reverse listener
    expect(byName.proxy.priority).toBe(0);
    expect(byName.proxy.rewrite).toBeNull();
    expect(byName.proxy.policies).toEqual([]);
    expect(byName.respond.match).toMatchObject({ hosts: null, hostSuffixes: [], exact: false, pathRegex: null, methods: null });
  });

  it('rewrite compiles its regex; stripPrefix must be a prefix of the matched path', () => {
    const ups = { upstreams: { u: { targets: [{ url: 'http://127.0.0.1:9001' }] } } };
    const r = plan({
      ...ups,
      routes: [{ name: 'a', match: { path: '/v2/users' }, rewrite: { stripPrefix: '/v2', regex: { pattern: '^/u/(\\d+)$', replacement: '/users/$1' } }, upstream: 'u' }],
    }).routes[0];
    expect(r.rewrite?.stripPrefix).toBe('/v2');
    expect(r.rewrite?.regex?.pattern).toBeInstanceOf(RegExp);
    expect(errors({ ...ups, routes: [{ name: 'a', match: { path: '/v2/users' }, rewrite: { stripPrefix: '/v3' }, upstream: 'u' }] })).toEqual([
      { path: 'routes.0.rewrite.stripPrefix', message: 'stripPrefix "/v3" is not a prefix of the matched path "/v2/users"' },
    ]);
    expect(errors({ ...ups, routes: [{ name: 'a', match: { path: '/v2x' }, rewrite: { stripPrefix: '/v2' }, upstream: 'u' }] })).toHaveLength(1);
    expect(errors(routes({ name: 'a', rewrite: { host: 'x' } }))).toEqual([
      { path: 'routes.0.rewrite', message: '`rewrite` only applies to routes with an upstream' },
    ]);
  });

  it('path and pathRegex together are an error', () => {
    expect(errors(routes({ name: 'a', match: { path: '/a', pathRegex: '^/a' } }))).toEqual([
      { path: 'routes.0.match.pathRegex', message: 'use either `path` or `pathRegex`, not both' },
    ]);
  });

  it('route paths are put in the normal form request paths are matched in', () => {
    const r = plan(routes({ name: 'a', match: { path: '/caf%c3%a9/%7Eann' } })).routes[0];
    expect(r.match.path).toBe('/caf%C3%A9/~ann');
  });

  it('a route limited to listeners keeps their names', () => {
    const r = plan(routes({ name: 'a', listeners: ['web'] })).routes[0];
    expect([...r.listeners!]).toEqual(['web']);
  });
});

describe('route policies', () => {
  it('warns when cors comes after an auth policy (preflights carry no credentials), not when it comes first', () => {
    const policies = { key: { type: 'api-key', keys: { k1: { consumer: 'app' } } }, cors: { type: 'cors', origins: ['https://app.test'] } };
    expect(warnings({ policies, ...routes({ name: 'a', policies: ['key', 'cors'] }) })).toContainEqual({
      path: 'routes.0.policies.1',
      message: 'cors "cors" comes after "key", which will refuse CORS preflights (they carry no credentials); list cors first',
    });
    expect(warnings({ policies, ...routes({ name: 'a', policies: ['cors', 'key'] }) }).filter((w) => w.message.includes('preflights'))).toEqual([]);
  });
});

describe('listeners', () => {
  it('defaults: reverse mode, no TLS, HTTP/1.1 only, limits 8KB / 32KB / unlimited / 30s / 5s', () => {
    const [l] = plan({}).listeners;
    expect(l).toEqual({
      name: 'web',
      host: '127.0.0.1',
      port: 0,
      mode: 'reverse',
      tls: null,
      http2: false,
      redirectTo: null,
      mergeSlashes: true,
      intercept: [],
      allowClients: ['127.0.0.0/8', '::1/128'],
      connectPorts: [443],
      proxyAuth: null,
      parentProxy: null,
      originTimeouts: { connectMs: 10_000, responseMs: 300_000, idleMs: 300_000 },
      limits: { maxUrlLength: 8192, maxHeaderSize: 32768, maxBodySize: null, headersTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 },
    });
  });

  it('limits are parsed from sizes and durations', () => {
    const [l] = compileWorkspace(
      workspaceSchema.parse({
        version: 1,
        listeners: [{ name: 'web', address: '[::1]:8080', limits: { maxUrlLength: '2KB', maxHeaderSize: '16KB', maxBodySize: '50MB', headersTimeout: '1.5s', keepAliveTimeout: '500ms' } }],
      }),
    ).plan.listeners;
    expect([l.host, l.port]).toEqual(['::1', 8080]);
    expect(l.limits).toEqual({ maxUrlLength: 2048, maxHeaderSize: 16384, maxBodySize: 50 * 1024 * 1024, headersTimeoutMs: 1500, keepAliveTimeoutMs: 500 });
  });

  it('checks ports, redirectTo, and warns about settings that do not apply', () => {
    const ws = (listeners: unknown[]) => compileWorkspace(workspaceSchema.parse({ version: 1, listeners }));
    expect(ws([{ name: 'a', address: '127.0.0.1:65536' }]).issues).toMatchObject([{ path: ['listeners', 0, 'address'], message: 'port 65536 is out of range (0-65535)', severity: 'error' }]);
    expect(ws([{ name: 'a', address: '127.0.0.1:0', redirectTo: 'b' }]).issues).toMatchObject([{ message: 'redirectTo names listener "b", which does not exist' }]);
    expect(ws([{ name: 'a', address: '127.0.0.1:0', redirectTo: 'b' }, { name: 'b', address: '127.0.0.1:0' }]).issues).toMatchObject([
      { message: 'redirectTo must name a TLS listener; "b" has no tls' },
    ]);
    expect(ws([{ name: 'a', address: '127.0.0.1:0', intercept: ['*.x'], http2: true }]).issues.map((i) => [i.severity, i.message])).toEqual([
      ['warning', 'intercept only applies to forward listeners'],
      ['warning', 'http2 is offered through TLS ALPN; this listener has no tls'],
    ]);
    expect(ws([{ name: 'f', address: '127.0.0.1:0', mode: 'forward', mergeSlashes: false }]).issues.map((i) => [i.severity, i.message])).toEqual([
      ['warning', 'mergeSlashes only applies to reverse listeners (a forward proxy passes paths on as sent)'],
    ]);
  });

  it('warns about a route path with repeated slashes only where a listener it serves merges them', () => {
    const issues = (listeners: unknown[], route: Record<string, unknown>) =>
      compileWorkspace(workspaceSchema.parse({ version: 1, listeners, routes: [{ name: 'r', respond: { status: 200 }, ...route }] })).issues.map((i) => [i.path.join('.'), i.message]);
    const merging = { name: 'm', address: '127.0.0.1:0' };
    const raw = { name: 'raw', address: '127.0.0.1:1', mergeSlashes: false };
    expect(issues([merging, raw], { match: { path: '/fetch//x' } })).toEqual([
      ['routes.0.match.path', '"/fetch//x" has repeated slashes, which listener "m" merges in requests: the route cannot match there (set mergeSlashes: false on it)'],
    ]);
    expect(issues([merging, raw], { listeners: ['raw'], match: { path: '/fetch//x' } })).toEqual([]);
    expect(issues([merging], { match: { path: '/fetch/x' } })).toEqual([]);
  });
});

describe('upstreams', () => {
  const one = (u: Record<string, unknown>) =>
    plan({ upstreams: { u: { targets: [{ url: 'http://127.0.0.1:9001' }], ...u } }, routes: [{ name: 'r', upstream: 'u' }] }).upstreams.get('u')!;

  it('defaults: round-robin, weight 1, no health checks, no retry, timeouts 5s / 60s / 60s, 128 connections', () => {
    const u = one({});
    expect(u).toMatchObject({
      name: 'u',
      balancer: 'round-robin',
      hashOn: null,
      sticky: null,
      slowStartMs: 0,
      healthCheck: null,
      outlier: null,
      retry: null,
      timeouts: { connectMs: 5_000, responseMs: 60_000, idleMs: 60_000 },
      keepAlive: { connections: 128, idleTimeoutMs: 30_000 },
      hostHeader: 'preserve',
    });
    expect(u.targets).toEqual([{ id: 'u/http://127.0.0.1:9001', url: 'http://127.0.0.1:9001', origin: 'http://127.0.0.1:9001', weight: 1, backup: false }]);
  });

  it('defaults inside the optional blocks', () => {
    const u = one({ healthCheck: {}, outlierDetection: {}, retry: {}, timeouts: { connect: '1s' }, keepAlive: {}, balancer: 'consistent-hash' });
    expect(u.healthCheck).toEqual({ path: '/', intervalMs: 5_000, timeoutMs: 2_000, healthyAfter: 2, unhealthyAfter: 3, expectStatus: [[200, 399]], host: null });
    expect(u.outlier).toEqual({ consecutiveFailures: 5, ejectForMs: 30_000, maxEjectionPercent: 50 });
    expect(u.retry).toEqual({ attempts: 1, on: new Set(['connect-failure']), budget: 0.2, bodyBufferBytes: 65536 });
    expect(u.timeouts).toEqual({ connectMs: 1_000, responseMs: 60_000, idleMs: 60_000 });
    expect(u.keepAlive).toEqual({ connections: 128, idleTimeoutMs: 30_000 });
    expect(u.hashOn).toBe('ip');
  });

  it('durations, status lists, sticky cookies and host headers', () => {
    const u = one({
      slowStart: '30s',
      sticky: { cookie: 'swy', ttl: '1h' },
      healthCheck: { interval: '500ms', timeout: '250ms', expectStatus: '200,204-206' },
      hostHeader: 'backend.internal',
    });
    expect(u.slowStartMs).toBe(30_000);
    expect(u.sticky).toEqual({ cookie: 'swy', ttlMs: 3_600_000 });
    expect(u.healthCheck).toMatchObject({ intervalMs: 500, timeoutMs: 250, expectStatus: [[200, 200], [204, 206]] });
    expect(u.hostHeader).toEqual({ fixed: 'backend.internal' });
    expect(one({ hostHeader: 'target' }).hostHeader).toBe('target');
  });

  it('target URLs are reduced to their origin', () => {
    expect(one({ targets: [{ url: 'http://LOCALHOST:9001/' }, { url: 'https://127.0.0.1' }] }).targets.map((t) => t.url)).toEqual([
      'http://localhost:9001',
      'https://127.0.0.1',
    ]);
  });

  it('the fingerprint changes exactly when the upstream config changes', () => {
    expect(one({ balancer: 'random' }).fingerprint).toBe(one({ balancer: 'random' }).fingerprint);
    expect(one({ balancer: 'random' }).fingerprint).not.toBe(one({ balancer: 'p2c' }).fingerprint);
  });

  it('errors: duplicate targets, only backups, bad status ranges, too-frequent checks', () => {
    const ups = (u: Record<string, unknown>) => ({ upstreams: { u: { targets: [{ url: 'http://127.0.0.1:9001' }], ...u } }, routes: [{ name: 'r', upstream: 'u' }] });
    expect(errors(ups({ targets: [{ url: 'http://127.0.0.1:9001' }, { url: 'http://127.0.0.1:9001/' }] }))).toEqual([
      { path: 'upstreams.u.targets.1.url', message: 'target http://127.0.0.1:9001 is listed twice in upstream "u"' },
    ]);
    expect(errors(ups({ targets: [{ url: 'http://127.0.0.1:9001', backup: true }] }))).toEqual([
      { path: 'upstreams.u.targets', message: 'upstream "u" has only backup targets; mark at least one as primary' },
    ]);
    expect(errors(ups({ healthCheck: { expectStatus: '399-200' } }))).toEqual([
      { path: 'upstreams.u.healthCheck.expectStatus', message: '"399-200" is not a valid status range' },
    ]);
    expect(errors(ups({ healthCheck: { interval: '50ms', timeout: '10ms' } }))).toEqual([
      { path: 'upstreams.u.healthCheck.interval', message: 'health check interval must be at least 100ms' },
    ]);    for (const bad of ['/health me', '/h#x', '/h\u0000', '/é']) {
      expect(errors(ups({ healthCheck: { path: bad } }))).toEqual([
        {
          path: 'upstreams.u.healthCheck.path',
          message: `health check path "${bad}" cannot be sent: use printable ASCII without spaces or "#" (percent-encode the rest)`,
        },
      ]);
    }
    expect(errors(ups({ healthCheck: { path: '/health?full=1&x=%20' } }))).toEqual([]);
    expect(errors(ups({ healthCheck: { host: 'a b/c' } }))).toEqual([
      { path: 'upstreams.u.healthCheck.host', message: 'health check host "a b/c" is not a host[:port]' },
    ]);
    expect(errors(ups({ healthCheck: { host: 'api.internal:8080' } }))).toEqual([]);
  });

  it('warnings: unused upstream, ignored weights, hashOn without consistent-hash, timeout over interval', () => {
    expect(warnings({ upstreams: { u: { targets: [{ url: 'http://127.0.0.1:9001' }] } } })).toEqual([
      { path: 'upstreams.u', message: 'upstream "u" is not used by any route' },
    ]);
    const used = (u: Record<string, unknown>) => warnings({ upstreams: { u: { targets: [{ url: 'http://127.0.0.1:9001', weight: 3 }], ...u } }, routes: [{ name: 'r', upstream: 'u' }] });
    expect(used({})).toEqual([{ path: 'upstreams.u.balancer', message: 'round-robin ignores weights; use weighted-round-robin to honour them' }]);
    expect(used({ balancer: 'random', hashOn: 'header:x-user' })).toEqual([
      { path: 'upstreams.u.hashOn', message: 'hashOn is only used by the consistent-hash balancer (this upstream uses random)' },
    ]);
    expect(used({ balancer: 'random', healthCheck: { interval: '1s', timeout: '2s' } })).toEqual([
      { path: 'upstreams.u.healthCheck.timeout', message: 'health check timeout is longer than its interval' },
    ]);
  });
});

describe('policies and warnings in the plan', () => {
  it('policies are kept by name; plan.warnings carries every warning message', () => {
    const { plan: p, issues } = compile({
      policies: { keys: { type: 'api-key', keys: { k1: { consumer: 'alice' } } }, slow: { type: 'rate-limit', limit: 5, per: '1s' } },
      ...routes({ name: 'a', policies: ['keys', 'slow'] }),
    });
    expect([...p.policies.keys()]).toEqual(['keys', 'slow']);
    expect(p.policies.get('slow')).toMatchObject({ type: 'rate-limit', limit: 5, per: '1s', by: 'ip', algorithm: 'token-bucket' });
    expect(p.routes[0].policies).toEqual(['keys', 'slow']);
    expect(p.warnings).toEqual(issues.filter((i) => i.severity === 'warning').map((i) => i.message));
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  });
});
