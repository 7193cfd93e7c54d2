import { describe, expect, it } from 'vitest';
import { parseCacheControl } from './cache-control.js';
import { freshnessLifetime, initialAge, type FreshnessPolicy } from './freshness.js';
import { whyNotStorable } from './storability.js';

const off: FreshnessPolicy = { heuristic: null, defaultTtl: null };
const now = Date.parse('2026-01-01T00:00:00Z');
const date = new Date(now).toUTCString();
const lifetime = (status: number, headers: Record<string, string>, policy: FreshnessPolicy = off) =>
  freshnessLifetime(status, headers, parseCacheControl(headers['cache-control']), policy, now);

describe('freshnessLifetime (RFC 9111 §4.2.1)', () => {
  it('prefers s-maxage, then max-age, then Expires − Date', () => {
    expect(lifetime(200, { 'cache-control': 'max-age=10, s-maxage=20' })).toBe(20);
    expect(lifetime(200, { 'cache-control': 'max-age=10', expires: new Date(now + 99_000).toUTCString(), date })).toBe(10);
    expect(lifetime(200, { expires: new Date(now + 30_000).toUTCString(), date })).toBe(30);
  });
  it('treats an invalid Expires as already expired', () => {
    expect(lifetime(200, { expires: '0' })).toBe(0);
  });
  it('uses the heuristic only when configured, and only for heuristically cacheable statuses', () => {
    const lm = new Date(now - 100_000).toUTCString();
    expect(lifetime(200, { 'last-modified': lm, date })).toBeNull();
    expect(lifetime(200, { 'last-modified': lm, date }, { heuristic: 0.1, defaultTtl: null })).toBe(10);
    expect(lifetime(302, { 'last-modified': lm, date }, { heuristic: 0.1, defaultTtl: null })).toBeNull();
    expect(lifetime(302, { 'cache-control': 'public', 'last-modified': lm, date }, { heuristic: 0.1, defaultTtl: null })).toBe(10);
  });
  it('falls back to defaultTtl', () => {
    expect(lifetime(404, {}, { heuristic: null, defaultTtl: 30 })).toBe(30);
    expect(lifetime(500, {}, { heuristic: null, defaultTtl: 30 })).toBeNull();
  });
});

describe('initialAge (§4.2.3)', () => {
  it('takes the larger of the apparent age and Age plus the response delay', () => {
    expect(initialAge({ age: '5', date }, now - 1000, now)).toBe(6);
    expect(initialAge({ date: new Date(now - 20_000).toUTCString() }, now, now)).toBe(20);
  });
});

describe('whyNotStorable (§3)', () => {
  const get = { method: 'GET', directives: new Map(), hasAuthorization: false };
  const why = (headers: Record<string, string>, req = get, status = 200) =>
    whyNotStorable(req, status, headers, parseCacheControl(headers['cache-control']), off, now);
  it('stores explicit freshness and refuses no-store, private, Set-Cookie, Vary: *, 206', () => {
    expect(why({ 'cache-control': 'max-age=60' })).toBeNull();
    expect(why({ 'cache-control': 'max-age=60, no-store' })).toBe('no-store');
    expect(why({ 'cache-control': 'max-age=60, private' })).toBe('private');
    expect(why({ 'cache-control': 'max-age=60', 'set-cookie': 'a=b' })).toBe('set-cookie');
    expect(why({ 'cache-control': 'max-age=60', vary: 'Accept, *' })).toBe('vary-star');
    expect(why({ 'cache-control': 'max-age=60' }, get, 206)).toBe('status');
    expect(why({})).toBe('no-freshness');
  });
  it('stores no-cache only with a validator', () => {
    expect(why({ 'cache-control': 'no-cache' })).toBe('no-cache-without-validator');
    expect(why({ 'cache-control': 'no-cache', etag: '"a"' })).toBeNull();
  });
  it('shares responses to Authorization requests only when public, s-maxage or must-revalidate say so (§3.5)', () => {
    const auth = { ...get, hasAuthorization: true };
    expect(why({ 'cache-control': 'max-age=60' }, auth)).toBe('authorization');
    expect(why({ 'cache-control': 'max-age=60, public' }, auth)).toBeNull();
    expect(why({ 'cache-control': 's-maxage=60' }, auth)).toBeNull();
    expect(why({ 'cache-control': 'max-age=60, must-revalidate' }, auth)).toBeNull();
  });
});
