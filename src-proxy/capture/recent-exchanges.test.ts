import { describe, expect, it } from 'vitest';
import type { CapturedExchange } from './captured-exchange.js';
import { RecentExchanges } from './recent-exchanges.js';

function record(id: string, bodyBytes = 0): CapturedExchange {
  const body = (n: number) => ({ bytes: n > 0 ? new Uint8Array(n) : null, size: n, truncated: false, contentType: null });
  return { id, requestBody: body(0), responseBody: body(bodyBytes) } as unknown as CapturedExchange;
}

const ids = (recent: RecentExchanges) => [...recent.records()].map((r) => r.id);

describe('RecentExchanges', () => {
  it('keeps the newest maxCount records, oldest first, and finds them by id', () => {
    const recent = new RecentExchanges(3);
    for (let i = 1; i <= 5; i++) recent.add(record(`x${i}`));
    expect(ids(recent)).toEqual(['x3', 'x4', 'x5']);
    expect(recent.get('x2')).toBeUndefined();
    expect(recent.get('x4')?.id).toBe('x4');
    // A lookup after more adds sees them (the index is rebuilt, not stale).
    recent.add(record('x6'));
    expect(recent.get('x6')?.id).toBe('x6');
    expect(recent.get('x3')).toBeUndefined();
  });

  it('evicts by bytes, counting each record as its bodies plus 1 KiB', () => {
    const recent = new RecentExchanges(100, 6000);
    recent.add(record('a', 2000));
    recent.add(record('b', 1000));
    expect(ids(recent)).toEqual(['a', 'b']);
    recent.add(record('c', 100)); // 3024 + 2024 + 1124 > 6000: a goes
    expect(ids(recent)).toEqual(['b', 'c']);
  });

  it('deletes by id, and the space and count freed are reused', () => {
    const recent = new RecentExchanges(3);
    for (const id of ['a', 'b', 'c']) recent.add(record(id));
    expect(recent.get('b')?.id).toBe('b');
    recent.delete(['b', 'nope']);
    expect(recent.get('b')).toBeUndefined();
    expect(ids(recent)).toEqual(['a', 'c']);
    recent.add(record('d')); // three again: nothing evicted
    expect(ids(recent)).toEqual(['a', 'c', 'd']);
    recent.add(record('e'));
    expect(ids(recent)).toEqual(['c', 'd', 'e']);
  });

  it('stays bounded and correct across compactions of its list', () => {
    const recent = new RecentExchanges(10);
    for (let i = 0; i < 5000; i++) recent.add(record(`r${i}`));
    expect(ids(recent)).toEqual(Array.from({ length: 10 }, (_, k) => `r${4990 + k}`));
    expect(recent.get('r4995')?.id).toBe('r4995');
    expect(recent.get('r4989')).toBeUndefined();
    recent.clear();
    expect(ids(recent)).toEqual([]);
    expect(recent.get('r4995')).toBeUndefined();
  });
});
