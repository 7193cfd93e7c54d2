import { describe, expect, it } from 'vitest';
import { displayWidth } from './display-width.js';

describe('displayWidth', () => {
  it('counts columns: wide and fullwidth 2, combining and zero-width 0, the rest 1', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('ＡＢ')).toBe(4);
    expect(displayWidth('한국')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('a\u200bb')).toBe(2);
    expect(displayWidth('𠀋')).toBe(2);
    expect(displayWidth('𝐀')).toBe(1);
  });
});
