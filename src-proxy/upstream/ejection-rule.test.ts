import { describe, expect, it } from 'vitest';
import { mayEject } from './ejection-rule.js';

describe('mayEject (Envoy: 100 × (ejected + 1) / total <= max)', () => {
  it('allows exactly the ejections that keep the share within the cap', () => {
    expect([mayEject(0, 2, 50), mayEject(1, 2, 50)]).toEqual([true, false]);
    expect([mayEject(0, 3, 50), mayEject(1, 3, 50)]).toEqual([true, false]);
    expect([mayEject(1, 4, 50), mayEject(2, 4, 50)]).toEqual([true, false]);
    expect([mayEject(0, 1, 50), mayEject(0, 1, 99), mayEject(0, 1, 100)]).toEqual([false, false, true]);
    expect([mayEject(0, 10, 10), mayEject(0, 9, 10), mayEject(0, 5, 0)]).toEqual([true, false, false]);
    expect(mayEject(2, 3, 100)).toBe(true);
  });
});
