/** Validators, conditional requests both ways, Vary and HEAD, against a real origin. */
import { afterEach, describe, expect, it } from 'vitest';
import { reply, startRig, type CacheRig } from './rig.js';
import { waitFor } from '../helpers/gateway.js';

let rig: CacheRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('cache: revalidation upstream (RFC 9111 §4.3)', () => {
  it('revalidates a stale response with If-None-Match and updates its stored headers from the 304', async () => {
    rig = await startRig();
    let version = 1;
    rig.origin.on('/e', (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60', 'x-version': String(++version) }).end();
        return;
      }
      res.writeHead(200, { etag: '"v1"', 'cache-control': 'max-age=0', 'x-version': '1', 'content-type': 'text/plain' }).end('body-v1');
    });
    const first = await rig.get('/e');
    expect(first.headers['cache-status']).toContain('stored');
    const second = await rig.get('/e');
    expect(rig.origin.last('/e')['if-none-match']).toBe('"v1"');
    expect(second.status).toBe(200);
    expect(second.body).toBe('body-v1');
    expect(second.headers['x-version']).toBe('2');
    expect(second.headers['cache-status']).toMatch(/fwd=stale; fwd-status=304; ttl=(59|60)/);
    // The 304's max-age=60 now applies: a plain hit, no third trip.
    const third = await rig.get('/e');
    expect(third.headers['cache-status']).toContain('hit');
    expect(third.headers['x-version']).toBe('2');
    expect(rig.origin.hits('/e')).toBe(2);
    expect(rig.policy().stats().revalidated).toBe(1);
  });

  it('accepts a 304 that repeats the representation’s Content-Length (RFC 9110 §8.6)', async () => {
    rig = await startRig();
    rig.origin.on('/cl', (req, res) => {
      if (req.headers['if-none-match'] === '"cl"') return void res.writeHead(304, { etag: '"cl"', 'content-length': '7', 'cache-control': 'max-age=60' }).end();
      res.writeHead(200, { etag: '"cl"', 'cache-control': 'max-age=0', 'content-length': '7' }).end('7 bytes');
    });
    const events: { error?: unknown; status: number }[] = [];
    const off = rig.gateway.engine.events.on((e) => {
      if (e.type === 'exchange.complete') events.push({ error: e.error, status: e.status });
    });
    await rig.get('/cl');
    const again = await rig.get('/cl');
    expect(again.status).toBe(200);
    expect(again.body).toBe('7 bytes');
    expect(again.headers['cache-status']).toContain('fwd-status=304');
    const r = rig;
    await waitFor(() => events.length === 2, 3000, 'two completions');
    off();
    expect(events[1]).toEqual({ error: undefined, status: 200 });
    expect((await r.get('/cl')).headers['cache-status']).toContain('hit');
  });

  it('revalidates with If-Modified-Since when there is only Last-Modified, and stores a changed 200', async () => {
    rig = await startRig();
    const lm = new Date(Date.now() - 60_000).toUTCString();
    let changed = false;
    rig.origin.on('/lm', (req, res) => {
      if (!changed && req.headers['if-modified-since'] === lm) return void res.writeHead(304, {}).end();
      res.writeHead(200, { 'last-modified': lm, 'cache-control': changed ? 'max-age=60' : 'max-age=0' }).end(changed ? 'new' : 'old');
    });
    await rig.get('/lm');
    expect((await rig.get('/lm')).body).toBe('old');
    expect(rig.origin.last('/lm')['if-modified-since']).toBe(lm);
    changed = true;
    const fresh = await rig.get('/lm');
    expect(fresh.body).toBe('new');
    expect(fresh.headers['cache-status']).toContain('fwd-status=200; stored');
    expect((await rig.get('/lm')).headers['cache-status']).toContain('hit');
    expect(rig.origin.hits('/lm')).toBe(3);
  });

  it('drops the stored response when the origin now answers it with something not storable', async () => {
    rig = await startRig('staleIfError: 10m');
    let mode: 'cacheable' | 'no-store' | 'down' = 'cacheable';
    rig.origin.on('/gone', (_req, res) => {
      if (mode === 'cacheable') return void res.writeHead(200, { 'cache-control': 'max-age=10', age: '20' }).end('old');
      if (mode === 'no-store') return void res.writeHead(200, { 'cache-control': 'no-store' }).end('secret');
      res.writeHead(503).end();
    });
    await rig.get('/gone');
    mode = 'no-store';
    expect((await rig.get('/gone')).body).toBe('secret');
    mode = 'down';
    // Without the drop, stale-if-error would resurrect "old".
    expect((await rig.get('/gone')).status).toBe(503);
  });

  it('stores a no-cache response but revalidates it on every use', async () => {
    rig = await startRig();
    rig.origin.on('/nc', (req, res) => {
      if (req.headers['if-none-match'] === '"n"') return void res.writeHead(304, { etag: '"n"', 'cache-control': 'no-cache' }).end();
      res.writeHead(200, { etag: '"n"', 'cache-control': 'no-cache' }).end('nc');
    });
    for (let i = 0; i < 3; i++) expect((await rig.get('/nc')).body).toBe('nc');
    expect(rig.origin.hits('/nc')).toBe(3);
    expect(rig.origin.seen.filter((s) => s.url === '/nc' && s.headers['if-none-match'] === '"n"')).toHaveLength(2);
  });

  it("forwards a client's own conditional on a stale entry untouched", async () => {
    rig = await startRig();
    rig.origin.on('/own', (req, res) => {
      if (req.headers['if-none-match'] === '"client"') return void res.writeHead(304, { etag: '"client"' }).end();
      res.writeHead(200, { etag: '"x"', 'cache-control': 'max-age=0' }).end('x');
    });
    await rig.get('/own');
    const r = await rig.get('/own', { 'if-none-match': '"client"' });
    expect(r.status).toBe(304);
    expect(rig.origin.last('/own')['if-none-match']).toBe('"client"');
  });
});

describe('cache: conditional requests answered from the cache', () => {
  it('answers 304 to If-None-Match (weak comparison) and If-Modified-Since from a fresh entry', async () => {
    rig = await startRig();
    const lm = new Date(Date.now() - 60_000).toUTCString();
    rig.origin.on('/c', reply('c', { etag: 'W/"c1"', 'last-modified': lm, 'cache-control': 'max-age=60' }));
    await rig.get('/c');
    const inm = await rig.get('/c', { 'if-none-match': '"other", "c1"' });
    expect(inm.status).toBe(304);
    expect(inm.headers.etag).toBe('W/"c1"');
    expect(inm.body).toBe('');
    expect((await rig.get('/c', { 'if-modified-since': new Date().toUTCString() })).status).toBe(304);
    expect((await rig.get('/c', { 'if-none-match': '"nope"' })).status).toBe(200);
    expect(rig.origin.hits('/c')).toBe(1);
  });
});

describe('cache: Vary (RFC 9111 §4.1)', () => {
  it('keeps one variant per normalised header value', async () => {
    rig = await startRig();
    rig.origin.on('/v', (req, res) => {
      res.writeHead(200, { vary: 'Accept-Language', 'cache-control': 'max-age=60' }).end(`lang=${req.headers['accept-language']}`);
    });
    expect((await rig.get('/v', { 'accept-language': 'en' })).body).toBe('lang=en');
    const de = await rig.get('/v', { 'accept-language': 'de' });
    expect(de.body).toBe('lang=de');
    expect(de.headers['cache-status']).toContain('fwd=vary-miss');
    expect((await rig.get('/v', { 'accept-language': 'EN' })).body).toBe('lang=en');
    expect((await rig.get('/v', { 'accept-language': 'de' })).body).toBe('lang=de');
    expect(rig.origin.hits('/v')).toBe(2);
  });

  it('treats Accept-Encoding token order and spacing as the same request', async () => {
    rig = await startRig();
    rig.origin.on('/ae', reply('enc', { vary: 'accept-encoding', 'cache-control': 'max-age=60' }));
    await rig.get('/ae', { 'accept-encoding': 'gzip, br' });
    expect((await rig.get('/ae', { 'accept-encoding': 'BR,gzip' })).headers['cache-status']).toContain('hit');
    await rig.get('/ae', { 'accept-encoding': 'identity' });
    expect(rig.origin.hits('/ae')).toBe(2);
  });

  it('never serves a Vary: * response from the cache', async () => {
    rig = await startRig();
    rig.origin.on('/star', reply('s', { vary: '*', 'cache-control': 'max-age=60' }));
    await rig.get('/star');
    const again = await rig.get('/star');
    expect(again.headers['cache-status']).toContain('detail=vary-star');
    expect(rig.origin.hits('/star')).toBe(2);
  });
});

describe('cache: HEAD', () => {
  it('answers HEAD from a stored GET, without a body', async () => {
    rig = await startRig();
    rig.origin.on('/h', reply('0123456789', { 'cache-control': 'max-age=60' }));
    await rig.get('/h');
    const head = await rig.get('/h', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe('10');
    expect(head.headers['cache-status']).toContain('hit');
    expect(rig.origin.hits('/h')).toBe(1);
  });

  it('does not store a HEAD response as if it were the GET', async () => {
    rig = await startRig();
    rig.origin.on('/h2', reply('body', { 'cache-control': 'max-age=60' }));
    await rig.get('/h2', {}, 'HEAD');
    expect((await rig.get('/h2')).body).toBe('body');
    expect(rig.origin.hits('/h2', 'HEAD')).toBe(1);
    expect(rig.origin.hits('/h2', 'GET')).toBe(1);
  });
});

describe('cache: Cache-Status from upstream caches', () => {
  it('appends its member after the upstream cache’s', async () => {
    rig = await startRig();
    rig.origin.on('/cs', reply('x', { 'cache-status': 'origin-cache; hit', 'cache-control': 'max-age=60' }));
    expect((await rig.get('/cs')).headers['cache-status']).toMatch(/^origin-cache; hit, c; fwd=uri-miss/);
    expect((await rig.get('/cs')).headers['cache-status']).toMatch(/^origin-cache; hit, c; hit/);
  });
});

describe('cache: decisions for the inspector and history', () => {
  it('records MISS, HIT and REVALIDATED as cache decisions in capture records and events', async () => {
    rig = await startRig();
    rig.origin.on('/rec', (req, res) => {
      if (req.headers['if-none-match'] === '"r"') return void res.writeHead(304, { etag: '"r"', 'cache-control': 'max-age=0' }).end();
      res.writeHead(200, { etag: '"r"', 'cache-control': 'max-age=0' }).end('r');
    });
    const outcomes: string[] = [];
    const records: { policies: { type: string; outcome: string }[] }[] = [];
    const off = rig.gateway.engine.events.on((e) => {
      if (e.type === 'exchange.policy') outcomes.push(`${e.decision.type}:${e.decision.outcome}`);
    });
    const offCapture = rig.gateway.engine.capture.add((r) => records.push(r));
    await rig.get('/rec');
    await rig.get('/rec');
    const r = rig;
    await waitFor(() => records.length === 2, 3000, 'two capture records');
    off();
    offCapture();
    expect(outcomes).toEqual(['cache:MISS', 'cache:REVALIDATED']);
    expect(records.map((x) => x.policies.map((p) => `${p.type}:${p.outcome}`))).toEqual([['cache:MISS'], ['cache:REVALIDATED']]);
    expect(r.policy().stats()).toMatchObject({ misses: 1, revalidated: 1 });
  });
});
