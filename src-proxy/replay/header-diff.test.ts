import { describe, expect, it } from 'vitest';
import { diffHeaders } from './header-diff.js';

describe('diffHeaders', () => {
  it('compares names case-insensitively and repeated headers as value lists', () => {
    const a = ['Content-Type', 'application/json', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'X-Old', 'gone', 'Date', 'Mon'];
    const b = ['content-type', 'application/json', 'Set-Cookie', 'a=1', 'X-New', 'here', 'X-New', 'twice', 'date', 'Tue'];
    expect(diffHeaders(a, b)).toEqual({
      same: false,
      unchanged: 1,
      added: [{ name: 'X-New', values: ['here', 'twice'] }],
      removed: [{ name: 'X-Old', values: ['gone'] }],
      changed: [
        { name: 'Set-Cookie', a: ['a=1', 'b=2'], b: ['a=1'] },
        { name: 'Date', a: ['Mon'], b: ['Tue'] },
      ],
    });
    expect(diffHeaders(a, b, { ignore: ['DATE', 'set-cookie', 'x-old', 'x-new'] }).same).toBe(true);
  });
});
