import { describe, expect, it } from 'vitest';
import { clipLine } from './clip-line.js';

describe('clipLine', () => {
  it('keeps a short line and cuts a long one, saying how much was left out', () => {
    expect(clipLine('abc', 3)).toBe('abc');
    expect(clipLine('abcdef', 3)).toBe('abc… (3 more characters)');
    expect(clipLine('x'.repeat(1_500_000))).toBe(`${'x'.repeat(1000)}… (1499000 more characters)`);
  });

  it('does not split a character outside the BMP', () => {
    expect(clipLine('ab😀cd', 3)).toBe('ab… (4 more characters)');
  });
});
