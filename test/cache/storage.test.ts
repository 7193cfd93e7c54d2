/** Invalidation, the memory bound, streaming into the cache, and the disk store, against a real origin. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { Origin, reply, send, startRig, type CacheRig } from './rig.js';
import { waitFor } from '../helpers/gateway.js';

let rig: CacheRig | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await rig?.close();
  rig = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('cache: invalidation after unsafe methods (RFC 9111 §4.4)', () => {
  it('drops the URI after a successful POST, and the Location / Content-Location it names', async () => {
    rig = await startRig();
    for (const p of ['/items', '/items/7', '/items/8', '/elsewhere']) rig.origin.on(p, (req, res) => {
      if (req.method === 'POST') return void res.writeHead(201, { location: '/items/7', 'content-location': 'http://127.0.0.1/items/8' }).end();
      res.writeHead(200, { 'cache-control': 'max-age=60' }).end(p);
    });
    for (const p of ['/items', '/items/7', '/items/8', '/elsewhere']) await rig.get(p);
    const post = await send(rig.gateway.url + '/items', 'POST', { 'content-type': 'text/plain' }, 'new');
    expect(post.status).toBe(201);
    for (const p of ['/items', '/items/7', '/items/8']) expect((await rig.get(p)).headers['cache-status'], p).toContain('fwd=uri-miss');
    expect((await rig.get('/elsewhere')).headers['cache-status']).toContain('hit');
    expect(rig.policy().stats().invalidated).toBe(3);
  });

  it('keeps the entry when the unsafe request failed, and ignores Location on another host', async () => {
    rig = await startRig();
    rig.origin.on('/keep', (req, res) => {
      if (req.method === 'DELETE') return void res.writeHead(500).end();
      res.writeHead(200, { 'cache-control': 'max-age=60' }).end('k');
    });
    rig.origin.on('/moved', (req, res) => {
      if (req.method === 'PUT') return void res.writeHead(200, { location: 'http://other.example/keep' }).end();
      res.writeHead(200).end();
    });
    await rig.get('/keep');
    await rig.get('/keep', {}, 'DELETE');
    await rig.get('/moved', {}, 'PUT');
    expect((await rig.get('/keep')).headers['cache-status']).toContain('hit');
  });
});

describe('cache: memory bound', () => {
  it('stays under maxSize with many large objects, evicting the least recently used', async () => {
    rig = await startRig('maxSize: 1MB, maxObjectSize: 300KB');
    const big = 'x'.repeat(200 * 1024);
    rig.origin.on('/big', reply(big, { 'cache-control': 'max-age=60' }));
    for (let i = 0; i < 20; i++) {
      const r = await rig.get(`/big?n=${i}`);
      expect(r.body.length).toBe(big.length);
      const s = rig.policy().stats();
      expect(s.bytes).toBeLessThanOrEqual(1024 * 1024);
    }
    const s = rig.policy().stats();
    expect(s.entries).toBeGreaterThanOrEqual(4);
    expect(s.entries).toBeLessThanOrEqual(5);
    expect(s.evicted).toBe(20 - s.entries);
    expect((await rig.get('/big?n=19')).headers['cache-status']).toContain('hit');
    expect((await rig.get('/big?n=0')).headers['cache-status']).toContain('fwd=uri-miss');
  });

  it('streams an object over maxObjectSize to the client whole but does not keep it', async () => {
    rig = await startRig('maxObjectSize: 64KB');
    const chunk = 'y'.repeat(16 * 1024);
    rig.origin.on('/huge', (_req, res) => {
      // Chunked: the size is only known while streaming.
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      for (let i = 0; i < 10; i++) res.write(chunk);
      res.end();
    });
    rig.origin.on('/announced', reply('z'.repeat(100 * 1024), { 'cache-control': 'max-age=60', 'content-length': String(100 * 1024) }));
    expect((await rig.get('/huge')).body.length).toBe(160 * 1024);
    expect((await rig.get('/huge')).body.length).toBe(160 * 1024);
    expect(rig.origin.hits('/huge')).toBe(2);
    expect((await rig.get('/announced')).headers['cache-status']).toContain('detail=too-large');
    expect(rig.policy().stats().entries).toBe(0);
  });

  it('does not hold the client back while it copies the body into the cache', async () => {
    rig = await startRig();
    let finish: () => void = () => {};
    rig.origin.on('/slow', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      res.write('first-part;');
      finish = () => res.end('second-part');
    });
    const res = await request(rig.gateway.url + '/slow');
    // Headers and the first bytes reach the client while the origin has not finished.
    const it = res.body[Symbol.asyncIterator]();
    const first = await it.next();
    expect(String(first.value)).toBe('first-part;');
    finish();
    let rest = '';
    for (let n = await it.next(); !n.done; n = await it.next()) rest += String(n.value);
    expect(rest).toBe('second-part');
    const again = await rig.get('/slow');
    expect(again.body).toBe('first-part;second-part');
    expect(again.headers['cache-status']).toContain('hit');
  });
});

describe('cache: disk store', () => {
  it('keeps entries on disk across a restart of the engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-cache-'));
    dirs.push(dir);
    const origin = new Origin();
    origin.on('/d', reply('on-disk', { 'cache-control': 'max-age=600', etag: '"d"' }));
    rig = await startRig(`disk: { path: ${JSON.stringify(dir)} }`, { origin });
    await rig.get('/d');
    await waitFor(() => readdirSync(dir).some((f) => f.endsWith('.entry')), 3000, 'the entry file');
    await rig.gateway.stop();
    rig = await startRig(`disk: { path: ${JSON.stringify(dir)} }`, { origin });
    const r = await rig.get('/d');
    expect(r.body).toBe('on-disk');
    expect(r.headers['cache-status']).toContain('hit');
    expect(r.headers.etag).toBe('"d"');
    expect(origin.hits('/d')).toBe(1);
    expect(rig.policy().stats().disk).toMatchObject({ entries: 1 });
    rig.policy().purge({ all: true });
    await waitFor(() => !readdirSync(dir).some((f) => f.endsWith('.entry')), 3000, 'the file to go');
  });
});
