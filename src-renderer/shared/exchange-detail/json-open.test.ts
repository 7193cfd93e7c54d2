import { describe, expect, it } from 'vitest';
import { childPath, initiallyOpen } from './json-open';

describe('initiallyOpen', () => {
  it('opens the first two levels of a small document', () => {
    expect([...initiallyOpen({ a: { b: { c: 1 } }, d: [1, 2] })]).toEqual(['', '/a', '/d']);
  });

  it('stops opening when the shown rows would exceed the budget', () => {
    const wide = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, Array.from({ length: 100 }, () => 0)]));
    const open = initiallyOpen(wide, 1000);
    // Root (50 rows), then 9 arrays of 100 rows each: 1 + 50 + 900 = 951; a tenth would pass 1000.
    expect(open.size).toBe(10);
    expect(open.has('/k8')).toBe(true);
    expect(open.has('/k9')).toBe(false);
  });

  it('leaves an over-budget root closed', () => {
    expect(initiallyOpen(Array.from({ length: 5000 }, () => 1), 1000).size).toBe(0);
  });

  it('escapes keys so different paths never collide', () => {
    expect(childPath('', 'a/b')).toBe('/a~1b');
    expect(childPath(childPath('', 'a'), 'b')).toBe('/a/b');
    expect(childPath('', '~1')).toBe('/~01');
  });
});
