import { describe, expect, it } from 'vitest';
import { connectionTokens } from './forward-headers.js';

describe('connectionTokens', () => {
  it('finds no header names in plain keep-alive or close, in any case', () => {
    for (const v of [undefined, 'keep-alive', 'Keep-Alive', ' close ', 'CLOSE']) expect(connectionTokens(v)).toBeNull();
  });

  it('returns the header names a Connection header lists, lower-cased, without keep-alive and close', () => {
    expect(connectionTokens('keep-alive, X-Secret')).toEqual(new Set(['x-secret']));
    expect(connectionTokens(['close', 'X-A,x-b'])).toEqual(new Set(['x-a', 'x-b']));
    expect(connectionTokens('keep-alive-ish')).toEqual(new Set(['keep-alive-ish']));
  });
});
