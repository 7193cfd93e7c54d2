import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { History } from '../../src-proxy/history/history.js';
import { HistoryStore } from '../../src-proxy/history/history-store.js';
import { applyRetention } from '../../src-proxy/history/retention.js';
import type { RetentionLimits } from '../../src-proxy/history/types.js';
import { directInserter, ftsIntegrityCheck } from './direct-insert.js';
import { BASE_TIME, idFor, makeExchange, sizedExchange, tempDir } from './fixtures.js';

let cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});
function openStore(): { store: HistoryStore; file: string } {
  const t = tempDir();
  const file = join(t.dir, 'history.db');
  const store = HistoryStore.open(file);
  cleanups.push(t.cleanup, () => store.close());
  return { store, file };
}
const remainingIds = (store: HistoryStore): string[] =>
  store.db.prepare('SELECT id FROM exchanges ORDER BY started_at, id').pluck().all() as string[];
const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => idFor(from + i));

describe('history retention', () => {
  it('keeps the newest rows when over the row limit, deleting in chunks', () => {
    const { store } = openStore();
    // Insert in reverse so the oldest rows have the highest seq: retention must go by time.
    directInserter(store.db)(Array.from({ length: 1000 }, (_, n) => makeExchange(999 - n)));
    const r = applyRetention(store.db, { maxRows: 300 }, { chunkSize: 64 });
    expect(r.deleted).toBe(700);
    expect(remainingIds(store)).toEqual(range(700, 1000));
    expect(store.stats().rows).toBe(300);
    expect(applyRetention(store.db, { maxRows: 300 }).deleted).toBe(0);
    ftsIntegrityCheck(store.db);
    expect(store.count('"user"')).toBe(300);
  });

  it('stops after maxChunks and continues on the next run', () => {
    const { store } = openStore();
    directInserter(store.db)(Array.from({ length: 500 }, (_, n) => makeExchange(n)));
    const first = applyRetention(store.db, { maxRows: 100 }, { chunkSize: 50, maxChunks: 3 });
    expect(first).toMatchObject({ deleted: 150, more: true });
    const second = applyRetention(store.db, { maxRows: 100 }, { chunkSize: 50 });
    expect(second).toMatchObject({ deleted: 250, more: false });
    expect(remainingIds(store)).toEqual(range(400, 500));
  });

  it('removes rows older than the age limit', () => {
    const { store } = openStore();
    directInserter(store.db)(Array.from({ length: 100 }, (_, n) => makeExchange(n))); // one per second from BASE_TIME
    const now = BASE_TIME + 100_000;
    const r = applyRetention(store.db, { maxAgeMs: 30_000 }, { now, chunkSize: 7 });
    expect(r.deleted).toBe(70);
    expect(remainingIds(store)).toEqual(range(70, 100));
  });

  it('ages an imported exchange from its import, not from the time in the HAR', () => {
    const { store } = openStore();
    directInserter(store.db)(Array.from({ length: 100 }, (_, n) => makeExchange(n)));
    const longAgo = Date.UTC(2020, 0, 1);
    const imported = Array.from({ length: 10 }, (_, n) => makeExchange(100 + n, { source: 'import', startedAt: longAgo + n }));
    directInserter(store.db, { now: () => BASE_TIME + 80_000 })(imported);
    expect(store.db.prepare('SELECT count(*) FROM exchanges WHERE imported_at IS NOT NULL').pluck().get()).toBe(10);
    expect(applyRetention(store.db, { maxAgeMs: 30_000 }, { now: BASE_TIME + 100_000, chunkSize: 7 }).deleted).toBe(70);
    expect(remainingIds(store)).toEqual([...range(100, 110), ...range(70, 100)]);
    // 30 s after the import it goes, and live rows still go by their start.
    expect(applyRetention(store.db, { maxAgeMs: 30_000 }, { now: BASE_TIME + 110_001, chunkSize: 7 }).deleted).toBe(21);
    expect(remainingIds(store)).toEqual(range(81, 100));
    // Row and size limits still go by started_at: an import is the oldest there.
    directInserter(store.db, { now: () => BASE_TIME + 200_000 })(imported);
    expect(applyRetention(store.db, { maxRows: 25 }).deleted).toBe(4);
    expect(remainingIds(store)).toEqual([...range(104, 110), ...range(81, 100)]);
  });

  it('the writer keeps an imported HAR older than maxAge: it counts from the import', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const history = await History.open({ dataDir: t.dir, retention: { maxAgeMs: 30 * 86_400_000 }, retentionIntervalMs: 50, batchIntervalMs: 10 });
    cleanups.push(() => history.close());
    const old = Array.from({ length: 7 }, (_, n) => makeExchange(n, { source: 'import', startedAt: Date.UTC(2020, 0, 1) }));
    expect(await history.recordAll(old)).toMatchObject({ stored: 7 });
    await history.writer.runRetention();
    expect(history.store.count('source:import')).toBe(7);
  });

  it('keeps the total stored bytes under the byte limit, oldest first', () => {
    const { store } = openStore();
    directInserter(store.db)(Array.from({ length: 200 }, (_, n) => sizedExchange(n, 4000)));
    const perRow = store.stats().bytes / 200;
    expect(perRow).toBeGreaterThan(4000);
    const limit = Math.round(perRow * 50.5);
    applyRetention(store.db, { maxBytes: limit }, { chunkSize: 16 });
    const stats = store.stats();
    expect(stats.bytes).toBeLessThanOrEqual(limit);
    expect(stats.rows).toBe(50);
    expect(remainingIds(store)).toEqual(range(150, 200));
    expect(stats.bytes).toBe(store.db.prepare('SELECT sum(bytes) FROM exchanges').pluck().get());
  });

  it('applies every limit together: whichever is strictest decides', () => {
    // All three limits in every run, each of them the strictest in one: a limit
    // ignored next to the others would keep more rows than expected.
    const run = (limits: (bytesOf: (newest: number) => number) => RetentionLimits): string[] => {
      const { store } = openStore();
      directInserter(store.db)(Array.from({ length: 100 }, (_, n) => makeExchange(n)));
      const sizes = store.db.prepare('SELECT bytes FROM exchanges ORDER BY started_at DESC, id DESC').pluck().all() as number[];
      // Room for the newest `newest` rows and half of the next one.
      const bytesOf = (newest: number): number => sizes.slice(0, newest).reduce((a, b) => a + b, 0) + Math.floor(sizes[newest] / 2);
      applyRetention(store.db, limits(bytesOf), { now: BASE_TIME + 100_000 });
      return remainingIds(store);
    };
    expect(run(() => ({ maxRows: 80, maxAgeMs: 50_000, maxBytes: 1e12 }))).toEqual(range(50, 100)); // age
    expect(run(() => ({ maxRows: 30, maxAgeMs: 50_000, maxBytes: 1e12 }))).toEqual(range(70, 100)); // rows
    expect(run((bytesOf) => ({ maxRows: 80, maxAgeMs: 50_000, maxBytes: bytesOf(20) }))).toEqual(range(80, 100)); // bytes
  });

  it('gives the space back: the file shrinks after deleting most rows', () => {
    const { store, file } = openStore();
    directInserter(store.db)(Array.from({ length: 600 }, (_, n) => sizedExchange(n, 16_000)));
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const big = statSync(file).size;
    expect(big).toBeGreaterThan(600 * 16_000);
    const r = applyRetention(store.db, { maxRows: 60 });
    expect(r.reclaimedPages).toBeGreaterThan(0);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const small = statSync(file).size;
    expect(small).toBeLessThan(big / 4);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('the writer worker applies retention as it writes, so the file stays bounded', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const history = await History.open({ dataDir: t.dir, retention: { maxRows: 150 }, retentionIntervalMs: 50, batchIntervalMs: 10 });
    cleanups.push(() => history.close());
    const file = join(t.dir, 'history.db');
    let peak = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 150; i++) history.record(sizedExchange(round * 150 + i, 16_000));
      await history.flush();
      await history.writer.runRetention();
      peak = Math.max(peak, statSync(file).size);
    }
    // 1500 rows × ~16 KB were written (≈ 24 MB); the main file never holds much more than two rounds.
    expect(history.store.count()).toBe(150);
    expect(peak).toBeLessThan(8 * 1024 * 1024);
    expect(remainingIds(history.store)).toEqual(range(1350, 1500));
    expect(history.writer.stats().retentionDeleted).toBe(1350);
  });
});
