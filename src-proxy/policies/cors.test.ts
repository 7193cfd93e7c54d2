import { describe, expect, it } from 'vitest';
import { mergeVary } from './cors.js';

describe('mergeVary', () => {
  it('adds the field once, keeps what is there, and leaves Vary: * alone', () => {
    expect(mergeVary(undefined, 'Origin')).toBe('Origin');
    expect(mergeVary('', 'Origin')).toBe('Origin');
    expect(mergeVary('Accept-Encoding', 'Origin')).toBe('Accept-Encoding, Origin');
    expect(mergeVary('accept-encoding, origin', 'Origin')).toBe('accept-encoding, origin');
    expect(mergeVary(['Accept', 'Accept-Language'], 'Origin')).toBe('Accept, Accept-Language, Origin');
    expect(mergeVary('*', 'Origin')).toBe('*');
  });
});
