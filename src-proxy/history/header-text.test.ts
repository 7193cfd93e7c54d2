import { describe, expect, it } from 'vitest';
import { decodeHeaders, encodeHeaders } from './header-text.js';

describe('stored header text', () => {
  it('joins captured header lists with LF and splits them back', () => {
    const list = ['Host', 'api.localhost', 'X-Empty', '', 'Set-Cookie', 'a=1; Path=/', 'Set-Cookie', 'b=2'];
    expect(encodeHeaders(list)).toBe('Host\napi.localhost\nX-Empty\n\nSet-Cookie\na=1; Path=/\nSet-Cookie\nb=2');
    expect(decodeHeaders(encodeHeaders(list))).toEqual(list);
    expect(encodeHeaders([])).toBe('');
    expect(decodeHeaders('')).toEqual([]);
    expect(decodeHeaders(encodeHeaders(['', '']))).toEqual(['', '']);
  });

  it('keeps latin1 bytes (obs-text) as they are', () => {
    const list = ['X-Latin', 'caf\u00e9 \u00ff'];
    expect(encodeHeaders(list)).toBe('X-Latin\ncaf\u00e9 \u00ff');
    expect(decodeHeaders(encodeHeaders(list))).toEqual(list);
  });

  it('falls back to JSON for lists a join would not give back exactly', () => {
    for (const list of [
      ['X-Multi', 'line one\nline two'], // an imported HAR can carry LF
      ['[odd', 'name'], // would read as JSON
      ['X-Odd'], // not name/value pairs
      ['X-Surrogate', 'a\ud800b'], // a lone surrogate would not survive UTF-8
      ['X-Emoji', '\u{1f600}'],
    ]) {
      const text = encodeHeaders(list);
      expect(text.startsWith('[')).toBe(true);
      expect(decodeHeaders(text)).toEqual(list);
    }
  });

  it('reads the JSON arrays of rows written before schema 5', () => {
    expect(decodeHeaders('["Host","h","Accept","*/*"]')).toEqual(['Host', 'h', 'Accept', '*/*']);
    expect(decodeHeaders('[]')).toEqual([]);
  });
});
