import { describe, expect, it } from 'vitest';
import { removeQueryParam } from './query-param.js';

describe('removeQueryParam', () => {
  it('removes every occurrence of the parameter, encoded or bare, and keeps the rest byte for byte', () => {
    expect(removeQueryParam('a=1&key=s&b=%20x+y', 'key')).toBe('a=1&b=%20x+y');
    expect(removeQueryParam('key=1&key=2', 'key')).toBe('');
    expect(removeQueryParam('k%65y=1&z', 'key')).toBe('z');
    expect(removeQueryParam('key&a', 'key')).toBe('a');
    expect(removeQueryParam('keys=1&a=%zz', 'key')).toBe('keys=1&a=%zz');
    expect(removeQueryParam('', 'key')).toBe('');
  });
});
