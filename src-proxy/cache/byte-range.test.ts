import { describe, expect, it } from 'vitest';
import { answerRange, ifRangeHolds, parseRange, resolveRange } from './byte-range.js';
import { makeEntry } from './entry.js';

const lm = 'Wed, 01 Jan 2025 00:00:00 GMT';
const dateLater = 'Wed, 01 Jan 2025 00:05:00 GMT';

function entry(status: number, headers: Record<string, string>, body = '0123456789') {
  return makeEntry(
    { key: 'GET h/p', uri: 'h/p', requestHeaders: {}, status, statusMessage: undefined, headers: { 'cache-control': 'max-age=60', ...headers }, body: Buffer.from(body), requestTime: 0, responseTime: 0 },
    { heuristic: null, defaultTtl: null, staleWhileRevalidate: 0, staleIfError: 0 },
  );
}

describe('parseRange (RFC 9110 §14.1.2)', () => {
  it('reads the three forms, case-insensitive unit, whitespace and empty list elements', () => {
    expect(parseRange('bytes=0-4')).toEqual([{ first: 0, last: 4 }]);
    expect(parseRange('bytes=7-')).toEqual([{ first: 7, last: null }]);
    expect(parseRange('bytes=-3')).toEqual([{ suffix: 3 }]);
    expect(parseRange('Bytes= 0-1 ,, 5-9')).toEqual([
      { first: 0, last: 1 },
      { first: 5, last: 9 },
    ]);
  });
  it('rejects other units, garbage and last-pos before first-pos', () => {
    for (const bad of ['items=0-1', 'bytes 0-1', 'bytes=', 'bytes=-', 'bytes=a-b', 'bytes=5-2', 'bytes=1-2-3', 'bytes=+1-2', 'bytes=0-1,x', ' bytes=0-1']) {
      expect(parseRange(bad), bad).toBeNull();
    }
  });
});

describe('resolveRange (RFC 9110 §14.1.1)', () => {
  it('clamps last-pos and suffixes to the length', () => {
    expect(resolveRange('bytes=2-5', 10)).toEqual({ kind: 'part', first: 2, last: 5 });
    expect(resolveRange('bytes=8-100', 10)).toEqual({ kind: 'part', first: 8, last: 9 });
    expect(resolveRange('bytes=4-', 10)).toEqual({ kind: 'part', first: 4, last: 9 });
    expect(resolveRange('bytes=-3', 10)).toEqual({ kind: 'part', first: 7, last: 9 });
    expect(resolveRange('bytes=-30', 10)).toEqual({ kind: 'part', first: 0, last: 9 });
  });
  it('is unsatisfiable from first-pos at the length on, or for an empty suffix', () => {
    expect(resolveRange('bytes=10-', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('bytes=10-20', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('bytes=-0', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('bytes=0-0', 0)).toEqual({ kind: 'unsatisfiable' });
  });
  it('answers the whole representation for several ranges, an invalid Range, or a suffix of nothing', () => {
    expect(resolveRange('bytes=0-1,5-9', 10)).toEqual({ kind: 'full', why: 'multiple ranges' });
    expect(resolveRange('bytes=0-5,3-9', 10)).toEqual({ kind: 'full', why: 'multiple ranges' });
    expect(resolveRange('lines=1-2', 10)).toEqual({ kind: 'full', why: 'invalid Range' });
    expect(resolveRange('bytes=-5', 0)).toEqual({ kind: 'full', why: 'empty representation' });
  });
});

describe('ifRangeHolds (RFC 9110 §13.1.5)', () => {
  const v = { etag: '"abc"', lastModified: lm, date: dateLater };
  it('matches an entity-tag only by strong comparison', () => {
    expect(ifRangeHolds('"abc"', v)).toBe(true);
    expect(ifRangeHolds(' "abc" ', v)).toBe(true);
    expect(ifRangeHolds('W/"abc"', v)).toBe(false);
    expect(ifRangeHolds('"abd"', v)).toBe(false);
    expect(ifRangeHolds('"abc"', { ...v, etag: 'W/"abc"' })).toBe(false);
    expect(ifRangeHolds('"abc"', { ...v, etag: undefined })).toBe(false);
  });
  it('matches a date only when it is exactly Last-Modified and that is strong (60 s before Date)', () => {
    expect(ifRangeHolds(lm, v)).toBe(true);
    expect(ifRangeHolds('Wed, 01 Jan 2025 00:00:01 GMT', v)).toBe(false);
    expect(ifRangeHolds('Wednesday, 01-Jan-25 00:00:00 GMT', v)).toBe(false);
    expect(ifRangeHolds(lm, { ...v, date: 'Wed, 01 Jan 2025 00:00:30 GMT' })).toBe(false);
    expect(ifRangeHolds(lm, { ...v, date: undefined })).toBe(false);
    expect(ifRangeHolds(lm, { ...v, lastModified: undefined })).toBe(false);
    expect(ifRangeHolds('garbage', v)).toBe(false);
  });
});

describe('answerRange', () => {
  const ok = entry(200, { etag: '"abc"', 'last-modified': lm, date: dateLater });
  it('serves a part of a stored 200', () => {
    expect(answerRange(ok, { range: 'bytes=0-1' })).toEqual({ kind: 'part', first: 0, last: 1 });
    expect(answerRange(ok, { range: 'bytes=0-1', 'if-range': '"abc"' })).toEqual({ kind: 'part', first: 0, last: 1 });
    expect(answerRange(ok, { range: 'bytes=20-', 'if-range': lm })).toEqual({ kind: 'unsatisfiable' });
  });
  it('answers the whole response when If-Range fails, the field repeats, or the status is not 200', () => {
    expect(answerRange(ok, { range: 'bytes=0-1', 'if-range': 'W/"abc"' })).toEqual({ kind: 'full', why: 'If-Range does not match' });
    expect(answerRange(ok, { range: ['bytes=0-1', 'bytes=2-3'] })).toEqual({ kind: 'full', why: 'invalid Range' });
    expect(answerRange(entry(404, {}), { range: 'bytes=0-1' })).toEqual({ kind: 'full', why: 'status 404' });
  });
});
