import { describe, expect, it } from 'vitest';
import { parseCacheControl, requestDirectives, seconds } from './cache-control.js';

describe('parseCacheControl', () => {
  it('reads tokens, numbers and quoted values, case-insensitively', () => {
    const d = parseCacheControl('Public, MAX-AGE=60, s-maxage="120", no-cache="set-cookie, x-a"');
    expect(d.get('public')).toBe(true);
    expect(seconds(d, 'max-age')).toBe(60);
    expect(seconds(d, 's-maxage')).toBe(120);
    expect(d.get('no-cache')).toBe('set-cookie, x-a');
  });
  it('joins repeated fields and keeps the first of a repeated directive', () => {
    const d = parseCacheControl(['max-age=10', 'max-age=20, private']);
    expect(seconds(d, 'max-age')).toBe(10);
    expect(d.has('private')).toBe(true);
  });
  it('skips empty and broken elements without losing the directives after them', () => {
    for (const cc of ['max-age=60,,no-store', ' , no-store', 'max-age=60, =x, no-store', 'max-age=60, x="open, no-store', 'no-store max-age=60']) {
      expect(parseCacheControl(cc).has('no-store'), cc).toBe(true);
    }
    expect(parseCacheControl(['', 'private']).has('private')).toBe(true);
    expect(parseCacheControl('max-age=60 no-store').get('max-age')).toBe('60 no-store');
    expect(parseCacheControl('max-age = 60').get('max-age')).toBe('60');
  });
  it('treats malformed delta-seconds as absent', () => {
    expect(seconds(parseCacheControl('max-age=abc'), 'max-age')).toBeNull();
    expect(seconds(parseCacheControl('max-age=-1'), 'max-age')).toBeNull();
  });
  it('takes Pragma: no-cache only without Cache-Control', () => {
    expect(requestDirectives({ pragma: 'no-cache' }).has('no-cache')).toBe(true);
    expect(requestDirectives({ pragma: 'no-cache', 'cache-control': 'max-age=5' }).has('no-cache')).toBe(false);
  });
});
