import { describe, expect, it } from 'vitest';
import { mergeVary } from './vary.js';

describe('mergeVary', () => {
  it('adds a field once, keeps *, joins arrays', () => {
    expect(mergeVary(undefined, 'Origin')).toBe('Origin');
    expect(mergeVary('Accept', 'Origin')).toBe('Accept, Origin');
    expect(mergeVary('accept, origin', 'Origin')).toBe('accept, origin');
    expect(mergeVary('*', 'Origin')).toBe('*');
    expect(mergeVary(['Accept', 'Cookie'], 'Origin')).toBe('Accept, Cookie, Origin');
  });
});
