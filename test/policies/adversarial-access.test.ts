/**
 * cors, rate-limit, ip-filter and api-key probed the way a security reviewer
 * would: wildcards in config, spoofed X-Forwarded-For, IPv4-mapped clients
 * behind proxies, and RateLimit-* fields checked against what the window
 * really allows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import { startAccessRig, type AccessRig } from './access-rig.js';

let rig: AccessRig;

beforeAll(async () => {
  rig = await startAccessRig(
    `
  any-header: { type: cors, origins: [https://app.test], headers: ["*"], credentials: true, maxAge: 1m }
  listed: { type: cors, origins: [https://app.test], headers: [Content-Type] }
  two: { type: rate-limit, limit: 2, per: 10s }
  per-key: { type: rate-limit, limit: 1, per: 1m, by: "header:x-api-key" }
  two-sliding: { type: rate-limit, limit: 2, per: 10s, algorithm: sliding-window }
  office: { type: ip-filter, allow: [10.0.0.0/8], trustedProxies: [127.0.0.1] }
  keys: { type: api-key, query: api_key, keys: { k-1: { consumer: alice } } }
`,
    `
  - { name: any, match: { path: /any }, policies: [any-header], upstream: app }
  - { name: listed, match: { path: /listed }, policies: [listed], upstream: app }
  - { name: bucket, match: { path: /bucket }, policies: [two], upstream: app }
  - { name: per-key, match: { path: /per-key }, policies: [per-key], upstream: app }
  - { name: sliding, match: { path: /sliding }, policies: [two-sliding], upstream: app }
  - { name: office, match: { path: /office }, policies: [office], upstream: app }
  - { name: keys, match: { path: /keys }, policies: [keys], upstream: app }
`,
  );
});
afterAll(() => rig?.stop());

const preflight = (path: string, headers: Record<string, string>) =>
  rig.send(path, { origin: 'https://app.test', 'access-control-request-method': 'PUT', ...headers }, 'OPTIONS');

describe('cors', () => {
  it('headers: ["*"] allows any requested header (it refused every one), echoing them so credentials still work', async () => {
    const r = await preflight('/any', { 'access-control-request-headers': 'X-Trace, Authorization' });
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-headers']).toBe('x-trace, authorization');
    expect(r.headers['access-control-allow-origin']).toBe('https://app.test');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['access-control-max-age']).toBe('60');
  });

  it('a listed header set still refuses others; an evil origin never gets CORS fields, with credentials or not', async () => {
    expect((await preflight('/listed', { 'access-control-request-headers': 'content-type' })).status).toBe(204);
    expect((await preflight('/listed', { 'access-control-request-headers': 'content-type, x-evil' })).status).toBe(403);
    for (const origin of ['https://app.test.evil.com', 'https://evilapp.test', 'null', 'http://app.test']) {
      const r = await rig.send('/any', { origin });
      expect(r.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(r.headers['access-control-allow-credentials']).toBeUndefined();
      expect(r.headers.vary).toContain('Origin');
    }
  });
});

describe('rate-limit', () => {
  it('a spoofed X-Forwarded-For does not give a client a fresh bucket', async () => {
    expect((await rig.send('/bucket', { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
    expect((await rig.send('/bucket', { 'x-forwarded-for': '198.51.100.2' })).status).toBe(200);
    const third = await rig.send('/bucket', { 'x-forwarded-for': '198.51.100.3', 'x-real-ip': '198.51.100.3', forwarded: 'for=198.51.100.3' });
    expect(third.status).toBe(429);
  });

  it('RateLimit-* agree with Retry-After and the window, for both algorithms', async () => {
    for (const path of ['/bucket', '/sliding']) {
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await rig.send(path));
      const refused = answers.find((a) => a.status === 429)!;
      expect(refused.headers['ratelimit-remaining']).toBe('0');
      expect(refused.headers['ratelimit-limit']).toBe('2');
      expect(refused.headers['ratelimit-policy']).toBe('2;w=10');
      const retry = Number(refused.headers['retry-after']);
      const reset = Number(refused.headers['ratelimit-reset']);
      // One more request is allowed no later than the quota is whole again, and both fall within two windows.
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(reset);
      expect(reset).toBeLessThanOrEqual(20);
      for (const a of answers.filter((x) => x.status === 200)) {
        expect(Number(a.headers['ratelimit-reset'])).toBeLessThanOrEqual(20);
        expect(Number(a.headers['ratelimit-remaining'])).toBeLessThan(2);
      }
    }
  });
});

describe('rate-limit by a credential header', () => {
  it('counts each value apart but never writes the value into decisions (capture, history, live events)', async () => {
    const secret = 'sk_live_0123456789abcdef';
    const first = await rig.send('/per-key', { 'x-api-key': secret });
    const second = await rig.send('/per-key', { 'x-api-key': secret });
    const other = await rig.send('/per-key', { 'x-api-key': 'sk_live_other' });
    expect([first.status, second.status, other.status]).toEqual([200, 429, 200]);
    for (const a of [first, second]) {
      const detail = String((await rig.record(a)).policies[0].detail);
      expect(detail).not.toContain(secret);
      expect(detail).toMatch(/^header:x-api-key#[\w-]{16}: /);
    }
    expect(String((await rig.record(other)).policies[0].detail).slice(0, 35)).not.toBe(String((await rig.record(first)).policies[0].detail).slice(0, 35));
  });
});

describe('rate-limit config checks', () => {
  it('warns that by: header:x-forwarded-for lets a client pick a fresh budget per request', () => {
    const warnings = (by: string) =>
      loadWorkspaceText(`version: 1\nlisteners: [{ name: w, address: 127.0.0.1:0 }]\npolicies:\n  p: { type: rate-limit, limit: 1, per: 1s, by: "${by}" }\nroutes: []\nupstreams: {}\n`, 'w.yaml')
        .issues.filter((i) => i.severity === 'warning')
        .map((i) => i.message);
    expect(warnings('header:X-Forwarded-For').join()).toMatch(/fresh budget/);
    expect(warnings('header:x-real-ip')).toEqual([]);
  });
});

describe('ip-filter behind a trusted proxy', () => {
  it('reads IPv4-mapped and bracketed entries of X-Forwarded-For as the IPv4 client, and skips trusted hops', async () => {
    for (const xff of ['::ffff:10.1.2.3', '[::ffff:10.1.2.3]:1234', '10.1.2.3:80', '203.0.113.9, 10.1.2.3, 127.0.0.1']) {
      const r = await rig.send('/office', { 'x-forwarded-for': xff });
      expect(r.status, xff).toBe(200);
    }
    // The client's own (leftmost) claim does not count: the proxy saw 203.0.113.9.
    expect((await rig.send('/office', { 'x-forwarded-for': '10.1.2.3, 203.0.113.9' })).status).toBe(403);
    expect((await rig.send('/office', { 'x-forwarded-for': '::ffff:203.0.113.9' })).status).toBe(403);
  });
});

describe('api-key', () => {
  it('missing → 401 with a challenge, unknown → 403, also for an empty or case-changed key', async () => {
    const missing = await rig.send('/keys?api_key=');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('ApiKey realm="keys", header="x-api-key", query="api_key"');
    expect((await rig.send('/keys', { 'x-api-key': 'K-1' })).status).toBe(403);
    expect((await rig.send('/keys', { 'x-api-key': 'k-1 ' })).status).toBe(200); // HTTP trims field values
    expect((await rig.send('/keys?api_key=k-1%00')).status).toBe(403);
  });
});
