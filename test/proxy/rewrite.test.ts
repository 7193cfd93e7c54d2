/**
 * Path rewriting on the way upstream, and routes the gateway answers itself:
 * fixed responses and redirects with templates.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResponses, rawRequest, startGateway, type Gateway } from '../helpers/gateway.js';
import { startEchoUpstream, type EchoUpstream } from '../helpers/upstreams.js';

let gw: Gateway;
let echo: EchoUpstream;

beforeAll(async () => {
  echo = await startEchoUpstream();
  gw = await startGateway(`
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0" }
routes:
  - { name: strip, match: { path: /v2 }, rewrite: { stripPrefix: /v2 }, upstream: echo }
  - { name: replace, match: { path: /old/api }, rewrite: { replacePrefix: { from: /old/api, to: /new/v3 } }, upstream: echo }
  - { name: replace-root, match: { path: /legacy }, rewrite: { replacePrefix: { from: /legacy, to: / } }, upstream: echo }
  - name: regex
    match: { pathRegex: "^/shop/[a-z]+/[0-9]+$" }
    rewrite: { regex: { pattern: "^/shop/([a-z]+)/(?<id>[0-9]+)$", replacement: "/catalog/$<id>/in/$1" } }
    upstream: echo
  - { name: host-rw, match: { path: /vhost }, rewrite: { host: internal.svc }, upstream: echo }
  - name: ping
    match: { path: /ping, exact: true }
    respond: { status: 200, body: pong, headers: { content-type: text/plain, x-fixed: "yes" } }
  - { name: teapot, match: { path: /teapot }, respond: { status: 418, body: "short and stout" } }
  - { name: empty, match: { path: /empty }, respond: { status: 204 } }
  - { name: moved, match: { path: /moved }, redirect: { to: "https://new.example{path}{query}", status: 301 } }
  - { name: temp, match: { path: /temp }, redirect: { to: "/elsewhere" } }
  - name: docs
    match: { pathRegex: "^/docs/(?<lang>[a-z]{2})/(.+)$" }
    redirect: { to: "https://{host}/manual/$2?lang=$<lang>", status: 308 }
upstreams:
  echo: { targets: [{ url: "${echo.url}" }] }
`);
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
});

async function upstreamUrl(path: string): Promise<string> {
  const res = await request(`${gw.url}${path}`);
  expect(res.statusCode).toBe(200);
  return ((await res.body.json()) as { url: string }).url;
}

describe('rewrite', () => {
  it('strips a prefix and keeps the query string', async () => {
    expect(await upstreamUrl('/v2/users/7?expand=true&x=%20y')).toBe('/users/7?expand=true&x=%20y');
    expect(await upstreamUrl('/v2')).toBe('/');
    expect(await upstreamUrl('/v2?q=1')).toBe('/?q=1');
  });

  it('replaces a prefix', async () => {
    expect(await upstreamUrl('/old/api/orders?page=2')).toBe('/new/v3/orders?page=2');
    expect(await upstreamUrl('/old/api')).toBe('/new/v3');
    expect(await upstreamUrl('/legacy/a/b')).toBe('/a/b');
  });

  it('rewrites with a regex and numbered and named captures', async () => {
    expect(await upstreamUrl('/shop/books/123?ref=home')).toBe('/catalog/123/in/books?ref=home');
  });

  it('sets the upstream Host from rewrite.host', async () => {
    const res = await request(`${gw.url}/vhost`, { headers: { host: 'public.example' } });
    const body = (await res.body.json()) as { headers: Record<string, string> };
    expect(body.headers.host).toBe('internal.svc');
    expect(body.headers['x-forwarded-host']).toBe('public.example');
  });
});

describe('respond', () => {
  it('answers with the configured status, body and headers, without calling an upstream', async () => {
    const before = echo.requests.length;
    const res = await request(`${gw.url}/ping`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.headers['x-fixed']).toBe('yes');
    expect(res.headers['content-length']).toBe('4');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
    expect(await res.body.text()).toBe('pong');
    const tea = await request(`${gw.url}/teapot`);
    expect(tea.statusCode).toBe(418);
    expect(await tea.body.text()).toBe('short and stout');
    expect(echo.requests.length).toBe(before);
  });

  it('is exact when asked: /ping/x is not /ping', async () => {
    const res = await request(`${gw.url}/ping/x`);
    expect(res.statusCode).toBe(404);
    await res.body.dump();
  });

  it('sends no body for HEAD or 204, and the connection stays usable', async () => {
    const r = await rawRequest(gw.port, [
      'HEAD /ping HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /empty HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]);
    const [head, empty, get] = parseResponses(r.data, ['HEAD', 'GET', 'GET']);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('4');
    expect(head.body.length).toBe(0);
    expect(empty.status).toBe(204);
    expect(get.body.toString()).toBe('pong');
  });
});

describe('redirect', () => {
  it('expands {path} and {query}', async () => {
    const res = await request(`${gw.url}/moved/a/b?x=1&y=2`);
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('https://new.example/moved/a/b?x=1&y=2');
    await res.body.dump();
    const plain = await request(`${gw.url}/moved`);
    expect(plain.headers.location).toBe('https://new.example/moved');
    await plain.body.dump();
  });

  it('defaults to 302', async () => {
    const res = await request(`${gw.url}/temp`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/elsewhere');
    await res.body.dump();
  });

  it('puts captured text in literally: a {host} or {query} the client sent is not expanded', async () => {
    const r = await rawRequest(gw.port, 'GET /docs/de/{host}{query}x?q=1 HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n');
    const [res] = parseResponses(r.data);
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe('https://evil.example/manual/{host}{query}x?lang=de');
  });

  it('expands $N, $<name> and {host} from a pathRegex match', async () => {
    const res = await request(`${gw.url}/docs/de/install/linux`, { headers: { host: 'Docs.Example:8443' } });
    expect(res.statusCode).toBe(308);
    expect(res.headers.location).toBe('https://docs.example/manual/install/linux?lang=de');
    await res.body.dump();
  });
});
