/** Byte ranges answered from stored responses (RFC 9110 §14, §13.1.5), against a real origin and gateway. */
import { afterEach, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { waitFor } from '../helpers/gateway.js';
import { reply, startRig, type CacheRig, type Handler } from './rig.js';

const BODY = '0123456789';
const LAST_MODIFIED = new Date(Date.now() - 3600_000).toUTCString();

let rig: CacheRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

/** An origin that honours a single `bytes=a-b` itself, so a forwarded Range comes back as a real 206. */
function rangedOrigin(body: string, headers: Record<string, string>): Handler {
  return (req, res) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (m !== null) {
      const [first, last] = [Number(m[1]), Number(m[2])];
      res.writeHead(206, { 'content-type': 'text/plain', ...headers, 'content-range': `bytes ${first}-${last}/${body.length}` });
      res.end(body.slice(first, last + 1));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', ...headers }).end(body);
  };
}

/** Stores BODY at `path` with a plain GET and checks it was stored. */
async function stored(r: CacheRig, path: string, headers: Record<string, string> = {}): Promise<void> {
  r.origin.on(path, reply(BODY, { 'cache-control': 'max-age=60', etag: '"v1"', 'last-modified': LAST_MODIFIED, ...headers }));
  const first = await r.get(path);
  expect(first.headers['cache-status']).toContain('stored');
}

describe('cache: Range from a fresh stored 200', () => {
  it('answers each range form with 206, the exact bytes and headers, without contacting the origin', async () => {
    rig = await startRig();
    await stored(rig, '/f');
    const cases: [string, string, string][] = [
      ['bytes=2-5', '2345', 'bytes 2-5/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=-30', BODY, 'bytes 0-9/10'],
    ];
    for (const [range, body, contentRange] of cases) {
      const r = await rig.get('/f', { range });
      expect(r.status, range).toBe(206);
      expect(r.body, range).toBe(body);
      expect(r.headers['content-range'], range).toBe(contentRange);
      expect(r.headers['content-length'], range).toBe(String(body.length));
      expect(r.headers['content-type']).toBe('text/plain');
      expect(r.headers.etag).toBe('"v1"');
      expect(r.headers['last-modified']).toBe(LAST_MODIFIED);
      expect(r.headers.age).toMatch(/^\d+$/);
      expect(r.headers['cache-status']).toMatch(/^c; hit; ttl=\d+/);
      expect(r.headers['x-request-id']).toMatch(/.+/);
    }
    expect(rig.origin.hits('/f')).toBe(1);
    expect(rig.policy().stats().hits).toBe(cases.length);
  });

  it('answers 416 with bytes */length from the cache when the range is outside the stored body', async () => {
    rig = await startRig();
    await stored(rig, '/u');
    for (const range of ['bytes=10-', 'bytes=10-20', 'bytes=-0']) {
      const r = await rig.get('/u', { range });
      expect(r.status, range).toBe(416);
      expect(r.headers['content-range'], range).toBe('bytes */10');
      expect(r.headers['content-length']).toBe('0');
      expect(r.body).toBe('');
      expect(r.headers['cache-status']).toMatch(/^c; hit/);
      // The representation's freshness is not lent to the 416.
      expect(r.headers['cache-control']).toBeUndefined();
    }
    expect(rig.origin.hits('/u')).toBe(1);
  });

  it('serves the whole 200 from the cache for several ranges, an invalid Range or another unit', async () => {
    rig = await startRig();
    await stored(rig, '/m');
    for (const range of ['bytes=0-1,5-9', 'bytes=0-5,3-9', 'bytes=5-2', 'bytes=x-1', 'items=0-1']) {
      const r = await rig.get('/m', { range });
      expect(r.status, range).toBe(200);
      expect(r.body, range).toBe(BODY);
      expect(r.headers['content-range']).toBeUndefined();
      expect(r.headers['cache-status']).toMatch(/^c; hit/);
    }
    expect(rig.origin.hits('/m')).toBe(1);
  });

  it('answers HEAD with Range as a full HEAD hit', async () => {
    rig = await startRig();
    await stored(rig, '/h');
    const r = await rig.get('/h', { range: 'bytes=0-1' }, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('10');
    expect(r.headers['content-range']).toBeUndefined();
    expect(r.headers['cache-status']).toMatch(/^c; hit/);
    expect(rig.origin.hits('/h')).toBe(1);
  });

  it('lets a matching If-None-Match win over Range (304)', async () => {
    rig = await startRig();
    await stored(rig, '/n');
    const r = await rig.get('/n', { range: 'bytes=0-1', 'if-none-match': '"v1"' });
    expect(r.status).toBe(304);
    expect(r.body).toBe('');
    expect(rig.origin.hits('/n')).toBe(1);
  });
});

describe('cache: If-Range (RFC 9110 §13.1.5)', () => {
  it('serves the range when the entity-tag matches strongly, the whole 200 when it does not or is weak', async () => {
    rig = await startRig();
    await stored(rig, '/ir');
    const match = await rig.get('/ir', { range: 'bytes=0-3', 'if-range': '"v1"' });
    expect(match.status).toBe(206);
    expect(match.body).toBe('0123');
    expect(match.headers['content-range']).toBe('bytes 0-3/10');
    for (const tag of ['"v2"', 'W/"v1"', 'garbage']) {
      const other = await rig.get('/ir', { range: 'bytes=0-3', 'if-range': tag });
      expect(other.status, tag).toBe(200);
      expect(other.body, tag).toBe(BODY);
      expect(other.headers['cache-status']).toMatch(/^c; hit/);
    }
    expect(rig.origin.hits('/ir')).toBe(1);
  });

  it('never matches a stored weak ETag', async () => {
    rig = await startRig();
    await stored(rig, '/weak', { etag: 'W/"w"' });
    for (const tag of ['W/"w"', '"w"']) {
      const r = await rig.get('/weak', { range: 'bytes=0-3', 'if-range': tag });
      expect(r.status, tag).toBe(200);
      expect(r.body).toBe(BODY);
    }
    expect(rig.origin.hits('/weak')).toBe(1);
  });

  it('serves the range for a date equal to a strong Last-Modified, the whole 200 for another date', async () => {
    rig = await startRig();
    await stored(rig, '/date');
    const same = await rig.get('/date', { range: 'bytes=-2', 'if-range': LAST_MODIFIED });
    expect(same.status).toBe(206);
    expect(same.body).toBe('89');
    const later = await rig.get('/date', { range: 'bytes=-2', 'if-range': new Date(Date.now() - 60_000).toUTCString() });
    expect(later.status).toBe(200);
    expect(later.body).toBe(BODY);
    expect(rig.origin.hits('/date')).toBe(1);
  });

  it('treats a Last-Modified less than 60 s before Date as weak: the whole 200', async () => {
    rig = await startRig();
    const justNow = new Date().toUTCString();
    await stored(rig, '/recent', { 'last-modified': justNow });
    const r = await rig.get('/recent', { range: 'bytes=0-0', 'if-range': justNow });
    expect(r.status).toBe(200);
    expect(r.body).toBe(BODY);
    expect(rig.origin.hits('/recent')).toBe(1);
  });
});

describe('cache: Range without a usable entry', () => {
  it('forwards a Range on a miss, does not store the 206, and the next plain GET is still a miss', async () => {
    rig = await startRig();
    rig.origin.on('/miss', rangedOrigin(BODY, { 'cache-control': 'max-age=60', etag: '"m"' }));
    const ranged = await rig.get('/miss', { range: 'bytes=1-2' });
    expect(ranged.status).toBe(206);
    expect(ranged.body).toBe('12');
    expect(ranged.headers['content-range']).toBe('bytes 1-2/10');
    expect(ranged.headers['cache-status']).toContain('fwd=request; fwd-status=206');
    expect(ranged.headers['cache-status']).not.toContain('stored');
    expect(rig.origin.last('/miss').range).toBe('bytes=1-2');
    const plain = await rig.get('/miss');
    expect(plain.status).toBe(200);
    expect(plain.headers['cache-status']).toContain('fwd=uri-miss');
    expect(plain.headers['cache-status']).toContain('stored');
    // Now stored: the range comes from the cache.
    const hit = await rig.get('/miss', { range: 'bytes=1-2' });
    expect(hit.status).toBe(206);
    expect(hit.headers['cache-status']).toMatch(/^c; hit/);
    expect(rig.origin.hits('/miss')).toBe(2);
    expect(rig.policy().stats()).toMatchObject({ bypassed: 1, misses: 1, hits: 1 });
  });

  it('forwards a Range for a stale entry as it is, without the cache’s own validators', async () => {
    rig = await startRig();
    rig.origin.on('/stale', rangedOrigin(BODY, { 'cache-control': 'max-age=0', etag: '"s"' }));
    expect((await rig.get('/stale')).headers['cache-status']).toContain('stored');
    const ranged = await rig.get('/stale', { range: 'bytes=0-1' });
    expect(ranged.status).toBe(206);
    expect(ranged.body).toBe('01');
    expect(rig.origin.last('/stale')['if-none-match']).toBeUndefined();
    expect(rig.origin.hits('/stale')).toBe(2);
  });
});

describe('cache: Range with compress and capture', () => {
  it('sends an uncompressed 206 of the identity bytes when compress runs on hits', async () => {
    const big = 'abcdefghijklmnopqrstuvwxyz'.repeat(100);
    rig = await startRig('', { policies: '[z, c]', extraPolicies: '  z: { type: compress, algorithms: [gzip], minSize: 10B }\n' });
    rig.origin.on('/z', reply(big, { 'cache-control': 'max-age=60', etag: '"z"' }));
    const gz = { 'accept-encoding': 'gzip' };
    const first = await rig.get('/z', gz);
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(first.headers['cache-status']).toContain('stored');
    // A full hit is compressed too, so compress does see the cache's answers.
    const fullHit = await rig.get('/z', gz);
    expect(fullHit.headers['content-encoding']).toBe('gzip');
    expect(fullHit.headers['cache-status']).toMatch(/^c; hit/);
    const part = await rig.get('/z', { ...gz, range: 'bytes=26-51' });
    expect(part.status).toBe(206);
    expect(part.headers['content-encoding']).toBeUndefined();
    expect(part.body).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(part.headers['content-range']).toBe(`bytes 26-51/${big.length}`);
    expect(part.headers['content-length']).toBe('26');
    expect(part.headers.etag).toBe('"z"');
    expect(rig.origin.hits('/z')).toBe(1);
  });

  it('records the 206 and the 416 in capture with their bytes and the cache decision', async () => {
    rig = await startRig();
    await stored(rig, '/cap');
    const records: CapturedExchange[] = [];
    const off = rig.gateway.engine.capture.add((r) => records.push(r));
    await rig.get('/cap', { range: 'bytes=3-4' });
    await rig.get('/cap', { range: 'bytes=50-' });
    await waitFor(() => records.length === 2, 3000, 'two capture records');
    off();
    const [part, unsatisfiable] = records as [CapturedExchange, CapturedExchange];
    expect(part.status).toBe(206);
    expect(Buffer.from(part.responseBody.bytes ?? []).toString()).toBe('34');
    const at = part.responseHeaders.indexOf('content-range');
    expect(part.responseHeaders[at + 1]).toBe('bytes 3-4/10');
    expect(part.policies).toMatchObject([{ type: 'cache', outcome: 'HIT', detail: 'range 3-4' }]);
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.policies).toMatchObject([{ type: 'cache', outcome: 'HIT', detail: 'range not satisfiable' }]);
  });
});
