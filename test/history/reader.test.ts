/**
 * The history reader answers the store's queries from a worker thread: the
 * same results and errors as the synchronous store, while the calling thread
 * (the proxy's, in a serving process) keeps running during a slow query.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../src-proxy/history/cursor.js';
import { HistoryReader } from '../../src-proxy/history/history-reader.js';
import { HistoryStore } from '../../src-proxy/history/history-store.js';
import { QuerySyntaxError } from '../../src-proxy/history/query-language.js';
import { directInserter } from './direct-insert.js';
import { makeExchange, tempDir } from './fixtures.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function filledStore(rows: number): { file: string; store: HistoryStore } {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const file = join(t.dir, 'history.db');
  const store = HistoryStore.open(file);
  cleanups.push(() => store.close());
  const insert = directInserter(store.db, { index: true });
  insert(Array.from({ length: rows }, (_, i) => makeExchange(i)));
  return { file, store };
}

describe('HistoryReader', () => {
  it('says why when its thread cannot open the database (not an error without a message)', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    // A directory where the database file should be.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(t.dir, 'history.db'));
    const reader = HistoryReader.start(join(t.dir, 'history.db'));
    await expect(reader.count('')).rejects.toThrow(/unable to open database file/);
  });

  it('returns what the store returns, and the store’s error classes', async () => {
    const { file, store } = filledStore(300);
    const reader = HistoryReader.start(file);
    cleanups.push(() => reader.close());

    const sync = store.search({ query: 'method:GET', limit: 20, withTotal: true });
    const viaWorker = await reader.search({ query: 'method:GET', limit: 20, withTotal: true });
    expect(viaWorker).toEqual(sync);
    expect(await reader.count('status:2xx')).toBe(store.count('status:2xx'));
    const id = sync.items[0].id;
    expect(await reader.get(id)).toEqual(store.get(id));

    const bad = await reader.search({ query: 'status:5x' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(QuerySyntaxError);
    expect((bad as QuerySyntaxError).position).toBe(7);
    await expect(reader.search({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('keeps the calling thread free during a slow query', async () => {
    const { file } = filledStore(20_000);
    const reader = HistoryReader.start(file);
    cleanups.push(() => reader.close());
    await reader.count(); // worker warmed up

    // A prefix term that matches nearly every row is the slowest kind of search.
    // A search run on this thread would finish before any immediate fires, so
    // ticks would stay 0; one run by the worker leaves the loop at least one
    // turn per search, however fast or loaded the machine is.
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const searches = 10;
    for (let i = 0; i < searches; i++) {
      const page = await reader.search({ query: 'us*', limit: 50 });
      expect(page.items).toHaveLength(50);
    }
    running = false;
    expect(ticks).toBeGreaterThanOrEqual(searches);
  });

  it('can be closed twice', async () => {
    const { file } = filledStore(1);
    const reader = HistoryReader.start(file);
    await reader.close();
    await reader.close();
  });
});
