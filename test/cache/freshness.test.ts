/** Freshness and storability against a real origin: what is stored, for how long, and what is not. */
import { afterEach, describe, expect, it } from 'vitest';
import { reply, startRig, type CacheRig } from './rig.js';

let rig: CacheRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

/** Two GETs; returns the origin's hit count and both replies. */
async function twice(r: CacheRig, path: string, headers: Record<string, string> = {}) {
  const a = await r.get(path, headers);
  const b = await r.get(path, headers);
  return { a, b, hits: r.origin.hits(path) };
}

describe('cache: freshness (RFC 9111 §4.2)', () => {
  it('stores max-age responses: MISS then HIT with Age and an RFC 9211 Cache-Status', async () => {
    rig = await startRig();
    rig.origin.on('/a', reply('A', { 'cache-control': 'max-age=60' }));
    const { a, b, hits } = await twice(rig, '/a');
    expect(hits).toBe(1);
    expect(a.headers['cache-status']).toMatch(/^c; fwd=uri-miss; fwd-status=200; stored; key="GET 127\.0\.0\.1\/a"$/);
    expect(b.body).toBe('A');
    expect(b.headers['cache-status']).toMatch(/^c; hit; ttl=(59|60); key="GET 127\.0\.0\.1\/a"$/);
    expect(Number(b.headers.age)).toBeGreaterThanOrEqual(0);
    expect(b.headers['x-request-id']).not.toBe(a.headers['x-request-id']);
  });

  it('prefers s-maxage over max-age for a shared cache', async () => {
    rig = await startRig();
    rig.origin.on('/s', reply('S', { 'cache-control': 'max-age=0, s-maxage=60' }));
    expect((await twice(rig, '/s')).hits).toBe(1);
  });

  it('uses Expires relative to Date, and treats a past or invalid Expires as stale', async () => {
    rig = await startRig();
    const now = Date.now();
    rig.origin.on('/future', reply('F', { date: new Date(now).toUTCString(), expires: new Date(now + 60_000).toUTCString() }));
    rig.origin.on('/past', reply('P', { date: new Date(now).toUTCString(), expires: new Date(now - 60_000).toUTCString() }));
    rig.origin.on('/invalid', reply('I', { expires: '0' }));
    expect((await twice(rig, '/future')).hits).toBe(1);
    expect((await twice(rig, '/past')).hits).toBe(2);
    expect((await twice(rig, '/invalid')).hits).toBe(2);
  });

  it('counts the upstream Age against freshness', async () => {
    rig = await startRig();
    rig.origin.on('/aged', reply('X', { 'cache-control': 'max-age=60', age: '100' }));
    expect((await twice(rig, '/aged')).hits).toBe(2);
  });

  it('has no heuristic freshness by default; heuristic: 0.1 uses Last-Modified', async () => {
    const lm = new Date(Date.now() - 3600_000).toUTCString();
    rig = await startRig();
    rig.origin.on('/lm', reply('L', { 'last-modified': lm }));
    expect((await twice(rig, '/lm')).hits).toBe(2);
    await rig.close();
    rig = await startRig('heuristic: 0.1');
    rig.origin.on('/lm', reply('L', { 'last-modified': lm }));
    const { b, hits } = await twice(rig, '/lm');
    expect(hits).toBe(1);
    expect(b.headers['cache-status']).toMatch(/ttl=3[56]\d/);
  });

  it('defaultTtl covers heuristically cacheable statuses without freshness, not others', async () => {
    rig = await startRig('defaultTtl: 30s');
    rig.origin.on('/plain', reply('P', {}));
    rig.origin.on('/gone', reply('G', {}, 404));
    rig.origin.on('/found', reply('R', { location: '/x' }, 302));
    rig.origin.on('/err', reply('E', {}, 500));
    expect((await twice(rig, '/plain')).hits).toBe(1);
    expect((await twice(rig, '/gone')).hits).toBe(1);
    expect((await twice(rig, '/found')).hits).toBe(2);
    expect((await twice(rig, '/err')).hits).toBe(2);
  });

  it('stores other statuses only with explicit freshness', async () => {
    rig = await startRig();
    rig.origin.on('/moved', reply('M', { 'cache-control': 'max-age=60', location: '/y' }, 302));
    expect((await twice(rig, '/moved')).hits).toBe(1);
  });
});

describe('cache: what is not stored (RFC 9111 §3)', () => {
  it('refuses no-store, private and Set-Cookie, and says why in Cache-Status', async () => {
    rig = await startRig('defaultTtl: 30s');
    rig.origin.on('/ns', reply('N', { 'cache-control': 'no-store' }));
    rig.origin.on('/pv', reply('P', { 'cache-control': 'private, max-age=60' }));
    rig.origin.on('/ck', reply('C', { 'cache-control': 'public, max-age=60', 'set-cookie': 'sid=1' }));
    const ns = await twice(rig, '/ns');
    expect(ns.hits).toBe(2);
    expect(ns.b.headers['cache-status']).toContain('detail=no-store');
    expect((await twice(rig, '/pv')).hits).toBe(2);
    const ck = await twice(rig, '/ck');
    expect(ck.hits).toBe(2);
    expect(ck.b.headers['set-cookie']).toBe('sid=1');
  });

  it('caches only GET (and answers HEAD from it); POST passes through', async () => {
    rig = await startRig();
    rig.origin.on('/p', reply('P', { 'cache-control': 'max-age=60' }));
    await rig.get('/p', {}, 'POST');
    await rig.get('/p', {}, 'POST');
    expect(rig.origin.hits('/p', 'POST')).toBe(2);
  });

  it('never stores 206 Partial Content, and forwards Range requests', async () => {
    rig = await startRig();
    rig.origin.on('/r', (req, res) => {
      if (req.headers.range) res.writeHead(206, { 'cache-control': 'max-age=60', 'content-range': 'bytes 0-0/3' }).end('a');
      else res.writeHead(200, { 'cache-control': 'max-age=60' }).end('abc');
    });
    const ranged = await rig.get('/r', { range: 'bytes=0-0' });
    expect(ranged.status).toBe(206);
    const full = await rig.get('/r');
    expect(full.body).toBe('abc');
    expect(rig.origin.hits('/r')).toBe(2);
    expect((await rig.get('/r')).headers['cache-status']).toContain('hit');
  });
});

describe('cache: Authorization (RFC 9111 §3.5)', () => {
  it('does not share a response to an authorised request unless public, s-maxage or must-revalidate allow it', async () => {
    rig = await startRig();
    rig.origin.on('/me', reply('mine', { 'cache-control': 'max-age=60' }));
    rig.origin.on('/pub', reply('public', { 'cache-control': 'public, max-age=60' }));
    rig.origin.on('/shared', reply('shared', { 'cache-control': 's-maxage=60' }));
    rig.origin.on('/mr', reply('mr', { 'cache-control': 'max-age=60, must-revalidate' }));
    const auth = { authorization: 'Bearer secret' };
    expect((await twice(rig, '/me', auth)).hits).toBe(2);
    for (const p of ['/pub', '/shared', '/mr']) {
      await rig.get(p, auth);
      const other = await rig.get(p);
      expect(other.headers['cache-status'], p).toContain('hit');
      expect(rig.origin.hits(p)).toBe(1);
    }
  });
});

describe('cache: request directives (RFC 9111 §5.2.1)', () => {
  it('no-cache forces a trip to the origin; no-store bypasses the store', async () => {
    rig = await startRig();
    rig.origin.on('/d', reply('D', { 'cache-control': 'max-age=60' }));
    await rig.get('/d');
    await rig.get('/d', { 'cache-control': 'no-cache' });
    expect(rig.origin.hits('/d')).toBe(2);
    const pragma = await rig.get('/d', { pragma: 'no-cache' });
    expect(rig.origin.hits('/d')).toBe(3);
    expect(pragma.headers['cache-status']).toContain('fwd=request');
    rig.origin.on('/n', reply('N', { 'cache-control': 'max-age=60' }));
    const bypass = await rig.get('/n', { 'cache-control': 'no-store' });
    expect(bypass.headers['cache-status']).toContain('fwd=request');
    await rig.get('/n');
    expect(rig.origin.hits('/n')).toBe(2);
  });

  it('max-age and min-fresh limit what counts as fresh; max-stale accepts stale; only-if-cached never forwards', async () => {
    rig = await startRig();
    rig.origin.on('/m', reply('M', { 'cache-control': 'max-age=60', age: '10' }));
    await rig.get('/m');
    expect((await rig.get('/m', { 'cache-control': 'max-age=5' })).headers['cache-status']).toContain('fwd=request');
    expect((await rig.get('/m', { 'cache-control': 'min-fresh=3600' })).headers['cache-status']).toContain('fwd=request');
    expect((await rig.get('/m', { 'cache-control': 'max-age=3600' })).headers['cache-status']).toContain('hit');
    expect(rig.origin.hits('/m')).toBe(3);

    rig.origin.on('/old', reply('O', { 'cache-control': 'max-age=10', age: '20' }));
    await rig.get('/old');
    const stale = await rig.get('/old', { 'cache-control': 'max-stale=60' });
    expect(stale.headers['cache-status']).toMatch(/hit; ttl=-1\d; .*detail=max-stale/);
    expect(rig.origin.hits('/old')).toBe(1);

    const none = await rig.get('/never', { 'cache-control': 'only-if-cached' });
    expect(none.status).toBe(504);
    expect(rig.origin.hits('/never')).toBe(0);
  });
});

describe('cache: key configuration', () => {
  it('keys on chosen query parameters and request headers only', async () => {
    rig = await startRig('key: { query: [page], headers: [x-tenant] }');
    rig.origin.on('/list', (req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60' }).end(`${req.url} ${req.headers['x-tenant'] ?? '-'}`);
    });
    const first = await rig.get('/list?page=1&utm=a', { 'x-tenant': 't1' });
    expect(first.headers['cache-status']).toContain('key="GET 127.0.0.1/list?page=1 x-tenant=t1"');
    const same = await rig.get('/list?utm=b&page=1', { 'x-tenant': 't1' });
    expect(same.body).toBe('/list?page=1&utm=a t1');
    expect(same.headers['cache-status']).toContain('hit');
    expect((await rig.get('/list?page=1', { 'x-tenant': 't2' })).body).toBe('/list?page=1 t2');
    expect((await rig.get('/list?page=2', { 'x-tenant': 't1' })).headers['cache-status']).toContain('fwd=uri-miss');
    expect(rig.origin.seen.filter((s) => s.url.startsWith('/list'))).toHaveLength(3);
    // A POST invalidates what a GET for its URL would be served, whatever URL stored it.
    await rig.get('/list?page=1', { 'x-tenant': 't1' }, 'POST');
    expect((await rig.get('/list?page=1&utm=c', { 'x-tenant': 't1' })).headers['cache-status']).toContain('fwd=uri-miss');
  });
});
