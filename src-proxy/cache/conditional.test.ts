import { describe, expect, it } from 'vitest';
import { notModified } from './conditional.js';
import { makeEntry } from './entry.js';

const lm = 'Wed, 01 Jan 2025 00:00:00 GMT';
const entry = makeEntry(
  {
    key: 'GET h/p',
    uri: 'h/p',
    requestHeaders: {},
    status: 200,
    statusMessage: undefined,
    headers: { etag: '"abc"', 'last-modified': lm, 'cache-control': 'max-age=60' },
    body: Buffer.from('x'),
    requestTime: 0,
    responseTime: 0,
  },
  { heuristic: null, defaultTtl: null, staleWhileRevalidate: 0, staleIfError: 0 },
);

describe('notModified (RFC 9110 §13.1)', () => {
  it('compares entity tags weakly, accepts lists and *', () => {
    expect(notModified(entry, { 'if-none-match': 'W/"abc"' })).toBe(true);
    expect(notModified(entry, { 'if-none-match': '"x", "abc"' })).toBe(true);
    expect(notModified(entry, { 'if-none-match': '*' })).toBe(true);
    expect(notModified(entry, { 'if-none-match': '"x"' })).toBe(false);
  });
  it('lets If-None-Match win over If-Modified-Since', () => {
    expect(notModified(entry, { 'if-none-match': '"x"', 'if-modified-since': 'Thu, 02 Jan 2025 00:00:00 GMT' })).toBe(false);
  });
  it('compares If-Modified-Since with Last-Modified', () => {
    expect(notModified(entry, { 'if-modified-since': lm })).toBe(true);
    expect(notModified(entry, { 'if-modified-since': 'Tue, 31 Dec 2024 00:00:00 GMT' })).toBe(false);
    expect(notModified(entry, { 'if-modified-since': 'garbage' })).toBe(false);
  });
});
