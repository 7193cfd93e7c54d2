import { describe, expect, it } from 'vitest';
import { parseHttpDate } from './http-date.js';

const T = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('parseHttpDate (RFC 9110 §5.6.7)', () => {
  it('reads the three HTTP-date forms', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(T);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', Date.UTC(2026, 0, 1))).toBe(T);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(T);
    expect(parseHttpDate('Sun Nov 06 08:49:37 1994')).toBe(T);
  });

  it('puts an RFC 850 year more than 50 years ahead in the past century', () => {
    expect(parseHttpDate('Thursday, 01-Dec-33 16:00:00 GMT', Date.UTC(2026, 0, 1))).toBe(Date.UTC(2033, 11, 1, 16));
    expect(parseHttpDate('Friday, 01-Dec-80 16:00:00 GMT', Date.UTC(2026, 0, 1))).toBe(Date.UTC(1980, 11, 1, 16));
  });

  it('refuses what Date.parse would guess at', () => {
    for (const bad of ['2030', '0', '-1', '2033-12-01', 'Thu, 01 Dec 2033 16:00:00', 'Thu, 01 Dec 2033 16:00:00 +0200', 'Thu, 31 Feb 2033 16:00:00 GMT', 'Thu, 01 Dec 2033 25:00:00 GMT', 'next week', '']) {
      expect(parseHttpDate(bad), bad).toBeNull();
    }
  });
});
