import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskStore, type DiskHead } from './disk-store.js';
import { makeEntry } from './entry.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const entry = (body: string) =>
  makeEntry(
    { key: 'GET h/p', uri: 'h/p', requestHeaders: {}, status: 200, statusMessage: undefined, headers: { 'cache-control': 'max-age=60' }, body: Buffer.from(body), requestTime: 0, responseTime: 0 },
    { heuristic: null, defaultTtl: null, staleWhileRevalidate: 0, staleIfError: 0 },
  );

function store(dir: string, maxBytes = 1 << 20) {
  const loaded: string[] = [];
  const evicted: string[] = [];
  const s = new DiskStore(dir, maxBytes, { loaded: (h: DiskHead) => loaded.push(h.id), evicted: (h: DiskHead) => evicted.push(h.id) });
  return { s, loaded, evicted };
}

describe('DiskStore', () => {
  it('writes entries as files and finds them again after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-disk-'));
    dirs.push(dir);
    const a = store(dir);
    await a.s.ready;
    await a.s.write('id-1', entry('hello'));
    const b = store(dir);
    await b.s.ready;
    expect(b.loaded).toEqual(['id-1']);
    const e = await b.s.read('id-1');
    expect(e?.body.toString()).toBe('hello');
    expect(e?.lifetime).toBe(60);
  });

  it('does not resurrect an entry deleted while it was being written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-disk-'));
    dirs.push(dir);
    const a = store(dir);
    await a.s.ready;
    const writing = a.s.write('id-1', entry('x'));
    a.s.delete('id-1');
    await writing;
    expect(a.s.head('id-1')).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stays within its byte bound, removing the least recently used files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-disk-'));
    dirs.push(dir);
    const one = entry('y'.repeat(1000)).size;
    const a = store(dir, one * 2);
    await a.s.ready;
    for (const id of ['a', 'b', 'c']) await a.s.write(id, entry('y'.repeat(1000)));
    expect(a.evicted).toEqual(['a']);
    expect(a.s.count).toBe(2);
    // The evicted file is removed in the background.
    for (let i = 0; i < 100 && readdirSync(dir).length > 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(readdirSync(dir)).toHaveLength(2);
  });
});
