import { describe, expect, it } from 'vitest';
import { diffJson } from './json-diff.js';

describe('diffJson', () => {
  it('finds a change deep inside nested objects and arrays, with a JSONPath', () => {
    const a = { order: { id: 7, items: [{ sku: 'a', price: 1 }, { sku: 'b', price: 2 }, { sku: 'c', price: 3 }, { sku: 'd', price: 4, tags: ['x'] }] } };
    const b = structuredClone(a);
    b.order.items[3].price = 5;
    b.order.items[3].tags = ['x', 'y'];
    expect(diffJson(a, b)).toEqual({
      same: false,
      truncated: false,
      changes: [
        { path: '$.order.items[3].price', kind: 'changed', a: 4, b: 5 },
        { path: '$.order.items[3].tags[1]', kind: 'added', b: 'y' },
      ],
    });
  });

  it('reports added and removed keys, type changes, odd keys, and arrays by index', () => {
    const a = { keep: 1, gone: true, 'odd key': 'x', list: [1, 2, 3], type: [1], n: null };
    const b = { keep: 1, 'odd key': 'y', list: [1, 9], type: { 0: 1 }, n: 0, fresh: { deep: [] } };
    expect(diffJson(a, b).changes).toEqual([
      { path: '$.gone', kind: 'removed', a: true },
      { path: '$["odd key"]', kind: 'changed', a: 'x', b: 'y' },
      { path: '$.list[1]', kind: 'changed', a: 2, b: 9 },
      { path: '$.list[2]', kind: 'removed', a: 3 },
      { path: '$.type', kind: 'changed', a: [1], b: { 0: 1 } },
      { path: '$.n', kind: 'changed', a: null, b: 0 },
      { path: '$.fresh', kind: 'added', b: { deep: [] } },
    ]);
  });

  it('says same for equal documents whatever the key order', () => {
    expect(diffJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toEqual({ same: true, changes: [], truncated: false });
    expect(diffJson('x', 'x').same).toBe(true);
    expect(diffJson(1, '1').changes).toEqual([{ path: '$', kind: 'changed', a: 1, b: '1' }]);
  });

  it('handles very deep nesting without overflowing the stack', () => {
    const depth = 50_000;
    const build = (leaf: number) => JSON.parse('{"n":'.repeat(depth) + String(leaf) + '}'.repeat(depth)) as unknown;
    const d = diffJson(build(1), build(2));
    expect(d.changes).toHaveLength(1);
    expect(d.changes[0].path).toBe('$' + '.n'.repeat(depth));
  });

  it('caps the number of changes and flags it', () => {
    const a = Array.from({ length: 5000 }, (_, i) => i);
    const b = a.map((i) => i + 1);
    const d = diffJson(a, b, { maxChanges: 100 });
    expect(d.changes).toHaveLength(100);
    expect(d.truncated).toBe(true);
    expect(d.changes[99].path).toBe('$[99]');
  });
});
