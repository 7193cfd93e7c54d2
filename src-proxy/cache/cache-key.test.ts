import { describe, expect, it } from 'vitest';
import { cacheKey, DEFAULT_KEY } from './cache-key.js';

const req = { host: 'api.localhost', path: '/items', search: 'b=2&a=1&utm=x', headers: { 'x-tenant': 't1' } };

describe('cacheKey', () => {
  it('is GET host/path?query by default', () => {
    expect(cacheKey(DEFAULT_KEY, req)).toBe('GET api.localhost/items?b=2&a=1&utm=x');
  });
  it('keeps only chosen query parameters, sorted, and adds chosen headers', () => {
    expect(cacheKey({ method: false, host: false, query: ['b', 'a'], headers: ['x-tenant'] }, req)).toBe('/items?a=1&b=2 x-tenant=t1');
    expect(cacheKey({ ...DEFAULT_KEY, query: false }, req)).toBe('GET api.localhost/items');
  });
});
