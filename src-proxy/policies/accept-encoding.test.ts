import { describe, expect, it } from 'vitest';
import { negotiateEncoding } from './accept-encoding.js';

describe('negotiateEncoding', () => {
  const offered = ['br', 'gzip'];
  it.each([
    [undefined, null],
    ['', null],
    ['gzip', 'gzip'],
    ['gzip, br', 'br'], // equal q: the server's preference
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['*;q=0.1, br;q=0', 'gzip'],
    ['identity', null],
    ['deflate', null],
    ['GZIP ; Q=0.8', 'gzip'],
    ['br;q=0, gzip;q=0', null],
  ])('%s → %s', (header, expected) => {
    expect(negotiateEncoding(header, offered)).toBe(expected);
  });
});
