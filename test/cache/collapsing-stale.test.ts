/** Request collapsing, stale-if-error and stale-while-revalidate against a real origin. */
import { afterEach, describe, expect, it } from 'vitest';
import { reply, send, startRig, type CacheRig } from './rig.js';
import { waitFor } from '../helpers/gateway.js';

let rig: CacheRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

/** A handler that holds every answer until `open()` is called. */
function gated(body: string, headers: Record<string, string>) {
  const waiting: (() => void)[] = [];
  let isOpen = false;
  return {
    handler: (_req: unknown, res: import('node:http').ServerResponse) => {
      const answer = () => res.writeHead(200, headers).end(body);
      if (isOpen) answer();
      else waiting.push(answer);
    },
    open() {
      isOpen = true;
      for (const w of waiting.splice(0)) w();
    },
  };
}

describe('cache: request collapsing', () => {
  it('turns N concurrent misses for one key into one upstream request', async () => {
    rig = await startRig();
    const gate = gated('shared', { 'cache-control': 'max-age=60' });
    rig.origin.on('/hot', gate.handler);
    const r = rig;
    const replies = Promise.all(Array.from({ length: 10 }, () => r.get('/hot')));
    await waitFor(() => r.origin.hits('/hot') === 1 && r.policy().stats().waiting === 9, 3000, 'the leader upstream and 9 waiting');
    gate.open();
    const all = await replies;
    expect(all.map((x) => x.body)).toEqual(Array(10).fill('shared'));
    expect(rig.origin.hits('/hot')).toBe(1);
    expect(all.filter((x) => x.headers['cache-status']!.includes('collapsed'))).toHaveLength(9);
    expect(rig.policy().stats().collapsed).toBe(9);
  });

  it('lets waiters go upstream themselves when the response is not storable', async () => {
    rig = await startRig();
    const gate = gated('private', { 'cache-control': 'no-store' });
    rig.origin.on('/ns', gate.handler);
    const r = rig;
    const replies = Promise.all(Array.from({ length: 5 }, () => r.get('/ns')));
    await waitFor(() => r.origin.hits('/ns') === 1 && r.policy().stats().waiting === 4, 3000, 'the leader upstream and 4 waiting');
    gate.open();
    const all = await replies;
    expect(all.every((x) => x.body === 'private')).toBe(true);
    expect(rig.origin.hits('/ns')).toBe(5);
  });
});

describe('cache: stale-if-error (RFC 5861)', () => {
  it('serves the stale response when the upstream is down', async () => {
    rig = await startRig();
    // Age beyond max-age: stale on arrival, within stale-if-error.
    rig.origin.on('/sie', reply('kept', { 'cache-control': 'max-age=10, stale-if-error=600', age: '20' }));
    await rig.get('/sie');
    await rig.origin.stop();
    const r = await rig.get('/sie');
    expect(r.status).toBe(200);
    expect(r.body).toBe('kept');
    expect(r.headers['cache-status']).toMatch(/hit; ttl=-1\d; .*detail=stale-if-error/);
    expect(rig.policy().stats().stale).toBe(1);
  });

  it('serves the stale response instead of an upstream 5xx, using the policy default', async () => {
    rig = await startRig('staleIfError: 10m');
    let broken = false;
    rig.origin.on('/five', (_req, res) => {
      if (broken) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      res.writeHead(200, { 'cache-control': 'max-age=10', age: '20' }).end('good');
    });
    await rig.get('/five');
    broken = true;
    const r = await rig.get('/five');
    expect(r.status).toBe(200);
    expect(r.body).toBe('good');
    expect(r.headers['cache-status']).toContain('fwd-status=503');
    // Health still sees the upstream's 503, not the stale 200 the client got.
    expect(rig.gateway.engine.upstreamStatus().origin![0]!.failures).toBe(1);
  });

  it('keeps the stale answer when the replaced 5xx then breaks off mid-body', async () => {
    rig = await startRig('staleIfError: 10m');
    let broken = false;
    rig.origin.on('/cut', (_req, res) => {
      if (!broken) return void res.writeHead(200, { 'cache-control': 'max-age=10', age: '20' }).end('whole');
      res.writeHead(500, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await rig.get('/cut');
    broken = true;
    const errors: unknown[] = [];
    const off = rig.gateway.engine.events.on((e) => {
      if (e.type === 'exchange.complete') errors.push(e.error ?? null);
    });
    const r = await rig.get('/cut');
    expect(r.body).toBe('whole');
    const gw = rig;
    await waitFor(() => errors.length === 1, 3000, 'the completion');
    off();
    expect(errors).toEqual([null]);
    expect(gw.policy().stats().stale).toBe(1);
  });

  it('does not stand in for a refusal by a policy listed after it', async () => {
    rig = await startRig('', { policies: '[c, limit]', extraPolicies: '  limit: { type: body-limit, maxSize: 10B }\n' });
    rig.origin.on('/refused', reply('stale', { 'cache-control': 'max-age=10, stale-if-error=600', age: '20' }));
    await rig.get('/refused');
    const r = await send(rig.gateway.url + '/refused', 'GET', { 'content-type': 'text/plain' }, 'more than ten bytes');
    expect(r.status).toBe(413);
  });

  it('does not serve stale past the window or under must-revalidate', async () => {
    rig = await startRig();
    rig.origin.on('/late', reply('x', { 'cache-control': 'max-age=10, stale-if-error=5', age: '60' }));
    rig.origin.on('/mr', reply('x', { 'cache-control': 'max-age=10, must-revalidate, stale-if-error=600', age: '20' }));
    await rig.get('/late');
    await rig.get('/mr');
    await rig.origin.stop();
    expect((await rig.get('/late')).status).toBe(502);
    expect((await rig.get('/mr')).status).toBe(502);
  });
});

describe('cache: stale-while-revalidate (RFC 5861)', () => {
  it('serves stale at once and refreshes in the background', async () => {
    rig = await startRig();
    let version = 1;
    rig.origin.on('/swr', (_req, res) => {
      const v = version++;
      res.writeHead(200, { 'cache-control': 'max-age=10, stale-while-revalidate=600', ...(v === 1 ? { age: '20' } : {}) }).end(`v${v}`);
    });
    expect((await rig.get('/swr')).body).toBe('v1');
    const stale = await rig.get('/swr');
    expect(stale.body).toBe('v1');
    expect(stale.headers['cache-status']).toContain('detail=stale-while-revalidate');
    const r = rig;
    await waitFor(() => r.policy().cache.lookup('GET 127.0.0.1/swr', {})?.body.toString() === 'v2', 3000, 'the background refresh');
    const fresh = await rig.get('/swr');
    expect(fresh.body).toBe('v2');
    expect(fresh.headers['cache-status']).toContain('hit; ttl=');
    expect(rig.origin.hits('/swr')).toBe(2);
  });

  it('revalidates in the background with the stored validators', async () => {
    rig = await startRig('staleWhileRevalidate: 10m');
    rig.origin.on('/swr304', (req, res) => {
      if (req.headers['if-none-match'] === '"t"') return void res.writeHead(304, { etag: '"t"', 'cache-control': 'max-age=60' }).end();
      res.writeHead(200, { etag: '"t"', 'cache-control': 'max-age=10', age: '20' }).end('tagged');
    });
    await rig.get('/swr304');
    expect((await rig.get('/swr304')).headers['cache-status']).toContain('stale-while-revalidate');
    const r = rig;
    await waitFor(() => r.policy().stats().revalidated === 1, 3000, 'the background revalidation');
    const hit = await rig.get('/swr304');
    expect(hit.body).toBe('tagged');
    expect(hit.headers['cache-status']).toMatch(/hit; ttl=(59|60)/);
    expect(rig.origin.hits('/swr304')).toBe(2);
  });
});
