/** api-key through the real engine: 401 / 403 problems, consumer and plan, key removed or kept, decisions captured. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAccessRig, type AccessRig } from './access-rig.js';

let rig: AccessRig;

beforeAll(async () => {
  rig = await startAccessRig(
    `
  keys:
    type: api-key
    keys: { k-free-1: { consumer: alice, plan: free }, k-paid-1: { consumer: bob, plan: paid } }
  query-keys:
    type: api-key
    header: x-token
    query: api_key
    keys: { q-key-1: { consumer: carol } }
  kept: { type: api-key, keep: true, keys: { k-keep: { consumer: dave } } }
  by-consumer: { type: rate-limit, limit: 1, per: 1m, by: consumer }
`,
    `
  - { name: a, match: { path: /a }, policies: [keys], upstream: app }
  - { name: q, match: { path: /q }, policies: [query-keys], upstream: app }
  - { name: k, match: { path: /k }, policies: [kept], upstream: app }
  - { name: c, match: { path: /c }, policies: [keys, by-consumer], upstream: app }
`,
  );
});
afterAll(() => rig?.stop());

describe('api-key', () => {
  it('refuses a request without a key with 401, a challenge and problem JSON; the upstream is not called', async () => {
    const before = rig.hits();
    const r = await rig.send('/a');
    expect(r.status).toBe(401);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.headers['www-authenticate']).toBe('ApiKey realm="keys", header="x-api-key"');
    expect(r.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED', title: 'Unauthorized', detail: 'An API key is required in the x-api-key header.' });
    expect(rig.hits()).toBe(before);
    expect((await rig.record(r)).policies).toEqual([{ policy: 'keys', type: 'api-key', outcome: 'missing' }]);
  });

  it('refuses an unknown key with 403', async () => {
    const r = await rig.send('/a', { 'x-api-key': 'k-wrong' });
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ status: 403, code: 'FORBIDDEN', detail: 'The API key is not valid.' });
    expect((await rig.record(r)).policies).toEqual([{ policy: 'keys', type: 'api-key', outcome: 'invalid' }]);
  });

  it('passes a known key, removes it before proxying, and records consumer and plan', async () => {
    const r = await rig.send('/a/x', { 'x-api-key': 'k-free-1', 'x-other': 'kept' });
    expect(r.status).toBe(200);
    expect(r.echo!.headers['x-api-key']).toBeUndefined();
    expect(r.echo!.headers['x-other']).toBe('kept');
    const rec = await rig.record(r);
    expect(rec.policies).toEqual([{ policy: 'keys', type: 'api-key', outcome: 'ok', detail: 'alice (free)' }]);
    // The key never reaches history in clear.
    expect(rec.requestHeaders.join('\n')).not.toContain('k-free-1');
  });

  it('reads a key from the query parameter and strips only that parameter', async () => {
    const r = await rig.send('/q/list?a=1&api_key=q-key-1&b=two%20words');
    expect(r.status).toBe(200);
    expect(r.echo!.url).toBe('/q/list?a=1&b=two%20words');
    // History keeps the URL as the client sent it, with the key masked.
    expect((await rig.record(r)).url).toBe('/q/list?a=1&api_key=[masked]&b=two%20words');
    const missing = await rig.send('/q/list');
    expect(missing.json().detail).toBe('An API key is required in the x-token header or the api_key query parameter.');
    expect(missing.headers['www-authenticate']).toBe('ApiKey realm="query-keys", header="x-token", query="api_key"');
  });

  it('keeps the key upstream with keep: true', async () => {
    const r = await rig.send('/k', { 'x-api-key': 'k-keep' });
    expect(r.status).toBe(200);
    expect(r.echo!.headers['x-api-key']).toBe('k-keep');
  });

  it('sets the consumer that a later rate limit counts by', async () => {
    expect((await rig.send('/c', { 'x-api-key': 'k-free-1' })).status).toBe(200);
    const limited = await rig.send('/c', { 'x-api-key': 'k-free-1' });
    expect(limited.status).toBe(429);
    expect((await rig.record(limited)).policies.map((p) => p.outcome)).toEqual(['ok', 'limited']);
    // Another consumer from the same address has its own budget.
    expect((await rig.send('/c', { 'x-api-key': 'k-paid-1' })).status).toBe(200);
  });
});
