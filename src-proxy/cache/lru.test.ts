import { describe, expect, it } from 'vitest';
import { Lru } from './lru.js';

describe('Lru', () => {
  it('evicts least recently used values to stay within the byte bound', () => {
    const evicted: string[] = [];
    const lru = new Lru<{ size: number }>(100, (id) => evicted.push(id));
    lru.set('a', { size: 40 });
    lru.set('b', { size: 40 });
    lru.get('a');
    lru.set('c', { size: 40 });
    expect(evicted).toEqual(['b']);
    expect(lru.bytes).toBe(80);
    expect(lru.set('huge', { size: 101 })).toBe(false);
    expect(lru.count).toBe(2);
  });
});
