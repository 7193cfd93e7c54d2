import { describe, expect, it } from 'vitest';
import { makeEntry } from './entry.js';
import { HttpCache } from './http-cache.js';

const defaults = { heuristic: null, defaultTtl: null, staleWhileRevalidate: 0, staleIfError: 0 };
function entry(key: string, uri: string, vary: Record<string, string> = {}, requestHeaders: Record<string, string> = {}) {
  return makeEntry(
    { key, uri, requestHeaders, status: 200, statusMessage: undefined, headers: { 'cache-control': 'max-age=60', ...vary }, body: Buffer.from(key), requestTime: 0, responseTime: 0 },
    defaults,
  );
}

describe('HttpCache', () => {
  it('selects the variant whose Vary values match the request', () => {
    const c = new HttpCache(1 << 20, null);
    c.store(entry('GET h/v', 'h/v', { vary: 'x-lang' }, { 'x-lang': 'en' }));
    c.store(entry('GET h/v', 'h/v', { vary: 'x-lang' }, { 'x-lang': 'de' }));
    expect(c.lookup('GET h/v', { 'x-lang': 'de' })?.variant).toContain('de');
    expect(c.lookup('GET h/v', { 'x-lang': 'fr' })).toBeNull();
    expect(c.hasKey('GET h/v')).toBe(true);
    expect(c.invalidateUri('h/v')).toBe(2);
    expect(c.hasKey('GET h/v')).toBe(false);
  });

  it('purges by key, by key prefix, by key without method, by path prefix, and all', () => {
    const c = new HttpCache(1 << 20, null);
    for (const p of ['/a/1', '/a/2', '/b/1', '/c/1', '/d/1']) c.store(entry(`GET h${p}`, `h${p}`));
    expect(c.purge({ key: 'GET h/a/1' })).toBe(1);
    expect(c.purge({ prefix: 'GET h/a/' })).toBe(1);
    expect(c.purge({ prefix: 'h/b/' })).toBe(1);
    expect(c.purge({ prefix: '/c/' })).toBe(1);
    expect(c.purge({ all: true })).toBe(1);
    expect(c.stats()).toMatchObject({ entries: 0, bytes: 0, purged: 5 });
  });
});
