/**
 * Routing through a real gateway: host (exact and wildcard), path (prefix on
 * segment boundaries, exact, regex), methods, headers, query, priority,
 * listener restriction, 404 problems and path normalisation (dot segments,
 * escapes, repeated slashes).
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, parseResponses, startGateway, type Gateway } from '../helpers/gateway.js';
import { startServer, type Started } from '../helpers/upstreams.js';
import type http from 'node:http';

/** Each upstream answers with its own name and the path it received. */
async function named(name: string): Promise<Started<http.Server>> {
  return startServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ upstream: name, url: req.url }));
    });
  });
}

const NAMES = ['exact-host', 'wild', 'users', 'users-exact', 'regex', 'methods', 'hdr', 'hdr-regex', 'no-debug', 'query', 'prio-low', 'prio-high', 'only-b', 'admin', 'public', 'fallback-any'] as const;
type Name = (typeof NAMES)[number];

let gw: Gateway;
const ups = new Map<Name, Started<http.Server>>();

beforeAll(async () => {
  for (const n of NAMES) ups.set(n, await named(n));
  const upstreams = NAMES.map((n) => `  ${n}: { targets: [{ url: "${ups.get(n)!.url}" }] }`).join('\n');
  gw = await startGateway(`
version: 1
listeners:
  - { name: a, address: "127.0.0.1:0" }
  - { name: b, address: "127.0.0.1:0" }
  - { name: raw-slashes, address: "127.0.0.1:0", mergeSlashes: false }
routes:
  - { name: exact-host, match: { host: api.localhost, path: /h }, upstream: exact-host }
  - { name: wild, match: { host: "*.wild.test", path: /h }, upstream: wild }
  - { name: users, match: { path: /v2/users }, upstream: users }
  - { name: users-exact, match: { path: /v2/users/me, exact: true }, upstream: users-exact }
  - { name: regex, match: { pathRegex: "^/items/[0-9]+$" }, upstream: regex }
  - { name: methods, match: { path: /m, methods: [GET, POST] }, upstream: methods }
  - { name: hdr, match: { path: /hdr, headers: { X-Beta: "1" } }, upstream: hdr }
  - { name: hdr-regex, match: { path: /hdr, headers: { x-version: { regex: "^v[23]$" } } }, upstream: hdr-regex }
  - { name: no-debug, match: { path: /hdr, headers: { x-debug: { present: false } } }, upstream: no-debug }
  - { name: query, match: { path: /q, query: { mode: fast, id: { regex: "^[0-9]+$" } } }, upstream: query }
  - { name: prio-low, match: { path: /p/deep/er }, upstream: prio-low }
  - { name: prio-high, priority: 10, match: { path: /p }, upstream: prio-high }
  - { name: only-b, listeners: [b], match: { path: /only-b }, upstream: only-b }
  - { name: admin, match: { path: /admin }, upstream: admin }
  - { name: public, match: { path: /public }, upstream: public }
  - { name: fallback-any, match: { host: fallback.test }, upstream: fallback-any }
upstreams:
${upstreams}
`);
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([...ups.values()].map((u) => u.close()));
});

async function call(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; base?: string } = {},
): Promise<{ status: number; upstream?: string; url?: string; headers: Record<string, unknown>; body: unknown }> {
  const res = await request(`${opts.base ?? gw.url}${path}`, { method: (opts.method ?? 'GET') as 'GET', headers: opts.headers });
  const text = await res.body.text();
  const body = text ? JSON.parse(text) : null;
  return { status: res.statusCode, upstream: body?.upstream, url: body?.url, headers: res.headers, body };
}

describe('host matching', () => {
  it('matches an exact host, case-insensitively and ignoring the port', async () => {
    expect((await call('/h', { headers: { host: 'API.localhost:8080' } })).upstream).toBe('exact-host');
    expect((await call('/h', { headers: { host: 'other.localhost' } })).status).toBe(404);
  });

  it('matches a fully qualified host (trailing dot) as the same host', async () => {
    expect((await call('/h', { headers: { host: 'API.localhost.:8080' } })).upstream).toBe('exact-host');
    expect((await call('/h', { headers: { host: 'a.wild.test.' } })).upstream).toBe('wild');
  });

  it('matches *.wildcard subdomains at any depth but not the bare domain', async () => {
    expect((await call('/h', { headers: { host: 'a.wild.test' } })).upstream).toBe('wild');
    expect((await call('/h', { headers: { host: 'x.y.wild.test' } })).upstream).toBe('wild');
    expect((await call('/h', { headers: { host: 'wild.test' } })).status).toBe(404);
    expect((await call('/h', { headers: { host: 'notwild.test' } })).status).toBe(404);
  });

  it('uses the authority of an absolute-form request target', async () => {
    const r = await rawRequest(gw.port, 'GET http://api.localhost/h HTTP/1.1\r\nHost: ignored.test\r\nConnection: close\r\n\r\n');
    const [res] = parseResponses(r.data);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString()).upstream).toBe('exact-host');
  });
});

describe('path matching', () => {
  it('matches a prefix on segment boundaries only', async () => {
    expect((await call('/v2/users')).upstream).toBe('users');
    expect((await call('/v2/users/')).upstream).toBe('users');
    expect((await call('/v2/users/7')).upstream).toBe('users');
    expect((await call('/v2/users/7?x=1')).url).toBe('/v2/users/7?x=1');
    expect((await call('/v2/usersX')).status).toBe(404);
    expect((await call('/v2/user')).status).toBe(404);
  });

  it('matches exact paths exactly, and ranks them above a covering prefix', async () => {
    expect((await call('/v2/users/me')).upstream).toBe('users-exact');
    expect((await call('/v2/users/me/')).upstream).toBe('users');
    expect((await call('/v2/users/me/x')).upstream).toBe('users');
  });

  it('matches pathRegex', async () => {
    expect((await call('/items/42')).upstream).toBe('regex');
    expect((await call('/items/42x')).status).toBe(404);
    expect((await call('/items/')).status).toBe(404);
  });
});

describe('methods, headers and query', () => {
  it('matches only the listed methods', async () => {
    expect((await call('/m')).upstream).toBe('methods');
    expect((await call('/m', { method: 'POST' })).upstream).toBe('methods');
    expect((await call('/m', { method: 'PUT' })).status).toBe(404);
    expect((await call('/m', { method: 'DELETE' })).status).toBe(404);
  });

  it('matches headers exactly, by regex and by absence', async () => {
    // Route order for /hdr is file order: exact header, then regex, then present:false.
    expect((await call('/hdr', { headers: { 'x-beta': '1', 'x-debug': '1' } })).upstream).toBe('hdr');
    expect((await call('/hdr', { headers: { 'x-beta': '2', 'x-version': 'v3', 'x-debug': '1' } })).upstream).toBe('hdr-regex');
    expect((await call('/hdr', { headers: { 'x-version': 'v4' } })).upstream).toBe('no-debug');
    expect((await call('/hdr', { headers: { 'x-version': 'v4', 'x-debug': '' } })).status).toBe(404);
    expect((await call('/hdr', { headers: { 'x-debug': 'yes' } })).status).toBe(404);
  });

  it('matches query parameters exactly and by regex', async () => {
    expect((await call('/q?mode=fast&id=12')).upstream).toBe('query');
    expect((await call('/q?id=12&mode=fast&extra=1')).url).toBe('/q?id=12&mode=fast&extra=1');
    expect((await call('/q?mode=slow&id=12')).status).toBe(404);
    expect((await call('/q?mode=fast&id=x1')).status).toBe(404);
    expect((await call('/q?mode=fast')).status).toBe(404);
  });
});

describe('priority and listeners', () => {
  it('tries an explicit priority before a longer prefix', async () => {
    expect((await call('/p/deep/er/x')).upstream).toBe('prio-high');
  });

  it('prefers a route with a path over a host-only route', async () => {
    expect((await call('/admin', { headers: { host: 'fallback.test' } })).upstream).toBe('admin');
    expect((await call('/elsewhere', { headers: { host: 'fallback.test' } })).upstream).toBe('fallback-any');
  });

  it('serves a route restricted by `listeners` only on those listeners', async () => {
    expect((await call('/only-b', { base: gw.urlOf('b') })).upstream).toBe('only-b');
    expect((await call('/only-b', { base: gw.urlOf('a') })).status).toBe(404);
    // Unrestricted routes serve both.
    expect((await call('/admin', { base: gw.urlOf('b') })).upstream).toBe('admin');
  });
});

describe('no route', () => {
  it('answers 404 with an RFC 9457 problem', async () => {
    const res = await request(`${gw.url}/nothing/here`, { headers: { 'x-request-id': 'req-404-test' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['x-request-id']).toBe('req-404-test');
    const problem = (await res.body.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 404, title: expect.any(String), requestId: 'req-404-test' });
    expect(problem.type).toMatch(/^https?:\/\/.+/);
    expect(problem.detail).toContain('/nothing/here');
  });

  it('answers HEAD with a problem status and no body', async () => {
    const r = await rawRequest(gw.port, [
      'HEAD /nothing HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]);
    const [head, next] = parseResponses(r.data, ['HEAD', 'GET']);
    expect(head.status).toBe(404);
    expect(head.body.length).toBe(0);
    expect(next.status).toBe(200);
    expect(JSON.parse(next.body.toString()).upstream).toBe('admin');
  });
});

/** A request target sent exactly as written (undici would normalise it). */
async function rawGet(target: string, port = gw.port): Promise<{ status: number; body: { upstream?: string; url?: string; status?: number } | null }> {
  const r = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const [res] = parseResponses(r.data);
  return { status: res.status, body: res.body.length ? JSON.parse(res.body.toString()) : null };
}

describe('dot segments', () => {
  it('routes /public/../admin as /admin and forwards the normalised path', async () => {
    const res = await rawGet('/public/../admin/panel');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ upstream: 'admin', url: '/admin/panel' });
    expect((await rawGet('/public/./x/../y?z=1')).body).toMatchObject({ upstream: 'public', url: '/public/y?z=1' });
  });

  it('resolves percent-encoded dot segments too', async () => {
    const res = await rawGet('/public/%2e%2e/admin');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ upstream: 'admin', url: '/admin' });
    expect((await rawGet('/public/%2E./admin')).body).toMatchObject({ upstream: 'admin' });
  });

  it('refuses a path that climbs above the root with 400', async () => {
    const res = await rawGet('/../etc/passwd');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400 });
    expect((await rawGet('/public/../../admin')).status).toBe(400);
    expect((await rawGet('/%2e%2e/admin')).status).toBe(400);
  });

  it('decodes escaped unreserved characters, so /%61dmin is /admin for routing and upstream alike', async () => {
    expect((await rawGet('/%61dmin/panel')).body).toMatchObject({ upstream: 'admin', url: '/admin/panel' });
    expect((await rawGet('/%41dmin')).status).toBe(404); // paths are case-sensitive: /Admin is not /admin
    // Other escapes stay escapes, with upper-case hex: %2f would split a segment if decoded.
    expect((await rawGet('/public/a%2fb%c3%a9?q=%61')).body).toMatchObject({ upstream: 'public', url: '/public/a%2Fb%C3%A9?q=%61' });
  });
});

describe('repeated slashes', () => {
  it('merges them before routing, so //admin cannot slip past the /admin route, and forwards the merged path', async () => {
    expect((await rawGet('//admin//panel')).body).toMatchObject({ upstream: 'admin', url: '/admin/panel' });
    expect((await rawGet('/public///x?u=http://y//z')).body).toMatchObject({ upstream: 'public', url: '/public/x?u=http://y//z' });
    // Merged before dot segments are resolved, as nginx does: /public//../admin is /public/../admin.
    expect((await rawGet('/public//../admin')).body).toMatchObject({ upstream: 'admin', url: '/admin' });
    // An escaped slash is not a slash: it stays, and is not merged.
    expect((await rawGet('/public/%2F%2Fx')).body).toMatchObject({ upstream: 'public', url: '/public/%2F%2Fx' });
  });

  it('keeps them on a listener with mergeSlashes: false', async () => {
    const port = Number(new URL(gw.urlOf('raw-slashes')).port);
    expect((await rawGet('/public/fetch/https://example.test//a', port)).body).toMatchObject({ upstream: 'public', url: '/public/fetch/https://example.test//a' });
    expect((await rawGet('//admin', port)).status).toBe(404);
    expect((await rawGet('/public//../admin', port)).body).toMatchObject({ upstream: 'public', url: '/public/admin' });
  });
});
