/** cors through the real engine: preflights answered by the gateway, actual responses, wildcards, credentials, Vary. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAccessRig, type AccessRig } from './access-rig.js';

let rig: AccessRig;

beforeAll(async () => {
  rig = await startAccessRig(
    `
  app-cors:
    type: cors
    origins: [https://app.example.com, "https://*.example.org"]
    methods: [GET, POST, PUT]
    headers: [Content-Type, X-Requested-With]
    exposeHeaders: [X-Total]
    credentials: true
    maxAge: 10m
  open: { type: cors, origins: ["*"] }
`,
    `
  - { name: api, match: { path: /api }, policies: [app-cors], upstream: app }
  - { name: open, match: { path: /open }, policies: [open], upstream: app }
`,
    // The upstream has CORS opinions of its own, which the gateway overrides.
    { vary: 'Accept-Encoding', 'access-control-allow-origin': '*' },
  );
});
afterAll(() => rig?.stop());

const preflight = (origin: string, method: string, headers?: string) => ({
  origin,
  'access-control-request-method': method,
  ...(headers ? { 'access-control-request-headers': headers } : {}),
});

describe('cors preflight', () => {
  it('is answered by the gateway with 204 and the allowed methods, headers, credentials and max-age', async () => {
    const hits = rig.hits();
    const r = await rig.send('/api/items', preflight('https://app.example.com', 'PUT', 'content-type, x-requested-with'), 'OPTIONS');
    expect(r.status).toBe(204);
    expect(rig.hits()).toBe(hits);
    expect(r.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(r.headers['access-control-allow-methods']).toBe('GET, POST, PUT');
    expect(r.headers['access-control-allow-headers']).toBe('Content-Type, X-Requested-With');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['access-control-max-age']).toBe('600');
    expect(r.headers.vary).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    expect((await rig.record(r)).policies).toEqual([{ policy: 'app-cors', type: 'cors', outcome: 'preflight', detail: 'https://app.example.com' }]);
  });

  it('allows subdomains of a wildcard origin at any depth, but not the apex or another scheme', async () => {
    expect((await rig.send('/api', preflight('https://a.example.org', 'GET'), 'OPTIONS')).status).toBe(204);
    expect((await rig.send('/api', preflight('https://b.c.example.org', 'GET'), 'OPTIONS')).status).toBe(204);
    expect((await rig.send('/api', preflight('https://example.org', 'GET'), 'OPTIONS')).status).toBe(403);
    expect((await rig.send('/api', preflight('http://a.example.org', 'GET'), 'OPTIONS')).status).toBe(403);
    expect((await rig.send('/api', preflight('https://evilexample.org', 'GET'), 'OPTIONS')).status).toBe(403);
  });

  it('refuses a disallowed origin, method or header with a 403 problem and no CORS fields', async () => {
    const origin = await rig.send('/api', preflight('https://evil.test', 'GET'), 'OPTIONS');
    expect(origin.status).toBe(403);
    expect(origin.headers['access-control-allow-origin']).toBeUndefined();
    expect(origin.json()).toMatchObject({ code: 'FORBIDDEN', detail: 'CORS preflight refused: origin https://evil.test is not allowed.' });
    expect((await rig.record(origin)).policies[0]).toMatchObject({ outcome: 'preflight-denied' });

    const method = await rig.send('/api', preflight('https://app.example.com', 'DELETE'), 'OPTIONS');
    expect(method.status).toBe(403);
    expect(method.json().detail).toBe('CORS preflight refused: method DELETE is not allowed (allowed: GET, POST, PUT).');

    const header = await rig.send('/api', preflight('https://app.example.com', 'POST', 'content-type, x-secret'), 'OPTIONS');
    expect(header.status).toBe(403);
    expect(header.json().detail).toBe('CORS preflight refused: request header(s) x-secret not allowed.');
  });

  it('passes an OPTIONS request that is not a preflight to the upstream', async () => {
    const r = await rig.send('/api', { origin: 'https://app.example.com' }, 'OPTIONS');
    expect(r.status).toBe(200);
    expect(r.echo!.method).toBe('OPTIONS');
  });
});

describe('cors actual requests', () => {
  it('echoes an allowed origin with credentials and exposed headers, merging Vary: Origin into the upstream Vary', async () => {
    const r = await rig.send('/api/items', { origin: 'https://app.example.com' });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['access-control-expose-headers']).toBe('X-Total');
    expect(r.headers.vary).toBe('Accept-Encoding, Origin');
    expect((await rig.record(r)).policies).toEqual([{ policy: 'app-cors', type: 'cors', outcome: 'allowed', detail: 'https://app.example.com' }]);
  });

  it('gives a disallowed origin no CORS fields (the upstream\'s "*" is removed) but still Vary: Origin', async () => {
    const r = await rig.send('/api/items', { origin: 'https://evil.test' });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
    expect(r.headers.vary).toBe('Accept-Encoding, Origin');
    expect((await rig.record(r)).policies[0]).toMatchObject({ outcome: 'denied' });
  });

  it('adds Vary: Origin to answers without an Origin too, so a shared cache keeps them apart', async () => {
    const r = await rig.send('/api/items');
    expect(r.headers.vary).toBe('Accept-Encoding, Origin');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers "*" for any origin without credentials, without Vary: Origin', async () => {
    const r = await rig.send('/open', { origin: 'https://anything.test' });
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers.vary).toBe('Accept-Encoding');
    const pre = await rig.send('/open', preflight('https://anything.test', 'PATCH', 'x-custom'), 'OPTIONS');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-headers']).toBe('x-custom');
    expect(pre.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
