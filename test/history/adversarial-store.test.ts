/** History database files that are not ours (or not yet ours) are refused untouched. */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { History } from '../../src-proxy/history/history.js';
import { SCHEMA_VERSION } from '../../src-proxy/history/migrations.js';
import { tempDir } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function dataDir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}
const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('history database ownership', () => {
  it('refuses a file that is not SQLite, naming it, and leaves it as it was', async () => {
    const dir = dataDir();
    const file = join(dir, 'history.db');
    writeFileSync(file, 'my notes, not a database\n'.repeat(200));
    const before = digest(file);
    await expect(History.open({ dataDir: dir })).rejects.toThrow(`${file} is not a Switchyard history database`);
    expect(digest(file)).toBe(before);
  });

  it('refuses a SQLite database of another program instead of adding its tables to it', async () => {
    const dir = dataDir();
    const file = join(dir, 'history.db');
    const other = new Database(file);
    other.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me')");
    other.close();
    const before = digest(file);
    await expect(History.open({ dataDir: dir })).rejects.toThrow(/another program \(tables notes\)/);
    expect(digest(file)).toBe(before);
  });

  it('refuses a database from a newer schema without changing a byte of it (not even its journal mode)', async () => {
    const dir = dataDir();
    const file = join(dir, 'history.db');
    const newer = new Database(file);
    newer.exec('CREATE TABLE exchanges (seq INTEGER PRIMARY KEY, future_column TEXT)');
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    const before = digest(file);
    await expect(History.open({ dataDir: dir })).rejects.toThrow(/newer than this Switchyard understands/);
    expect(digest(file)).toBe(before);
  });
});

describe('history delete by query while the indexer is behind', () => {
  it('a negated word never deletes rows the free-text index has not reached (they might contain it)', async () => {
    const { HistoryStore } = await import('../../src-proxy/history/history-store.js');
    const { directInserter } = await import('./direct-insert.js');
    const { makeExchange, textBody } = await import('./fixtures.js');
    const store = HistoryStore.open(join(dataDir(), 'history.db'));
    try {
      const insert = directInserter(store.db, { index: false });
      directInserter(store.db)([makeExchange(1, { responseBody: textBody('{"msg":"keep me"}') }), makeExchange(2, { responseBody: textBody('{"msg":"old"}') })]);
      insert([makeExchange(3, { responseBody: textBody('{"msg":"keep me too"}') }), makeExchange(4, { responseBody: textBody('{"msg":"new"}') })]);
      expect(store.stats().unindexed).toBe(2);
      // "Delete everything that does not mention keep": only rows known not to mention it may go.
      expect(store.delete({ query: '-keep' })).toBe(1);
      directInserter(store.db)([]);
      expect(store.count('keep')).toBe(2);
      expect(store.count('')).toBe(3);
    } finally {
      store.close();
    }
  });
});

describe('history clear and delete while the writer is busy', () => {
  it('clear removes exchanges still queued for writing, and later ones are kept', async () => {
    const { makeExchange } = await import('./fixtures.js');
    const history = await History.open({ dataDir: dataDir(), batchIntervalMs: 50 });
    try {
      for (let n = 0; n < 300; n++) history.record(makeExchange(n));
      expect(await history.clear()).toBe(300);
      history.record(makeExchange(1000));
      await history.flush();
      expect(history.store.count('')).toBe(1);
      for (let n = 0; n < 50; n++) history.record(makeExchange(2000 + n, { host: 'gone.localhost' }));
      expect(await history.delete({ query: 'host:gone.localhost' })).toBe(50);
      await history.flush();
      expect(history.store.count('host:gone.localhost')).toBe(0);
    } finally {
      await history.close();
    }
  });
});

describe('history bulk loads (HAR import)', () => {
  it('recordAll keeps every record and every body even when they far exceed the writer queue', async () => {
    const { makeExchange, textBody } = await import('./fixtures.js');
    const body = (n: number) => textBody(JSON.stringify({ n, pad: 'p'.repeat(100_000) }));
    const history = await History.open({ dataDir: dataDir(), maxQueueBytes: 300_000, maxPendingBatches: 3 });
    try {
      const records = Array.from({ length: 40 }, (_, n) => makeExchange(n, { responseBody: body(n) }));
      expect(await history.recordAll(records)).toEqual({ stored: 40, withoutBody: 0, dropped: 0 });
      expect(history.store.count('')).toBe(40);
      for (const r of records) expect(history.store.get(r.id)?.responseBody.bytes?.byteLength).toBe(r.responseBody.size);
      expect(history.stats().writer).toMatchObject({ droppedBodies: 0, droppedRecords: 0 });
      // The live path sheds load instead: that is what an import must not use.
      for (let n = 100; n < 140; n++) history.record(makeExchange(n, { responseBody: body(n) }));
      await history.flush();
      expect(history.stats().writer.droppedBodies + history.stats().writer.droppedRecords).toBeGreaterThan(0);
    } finally {
      await history.close();
    }
  });

  it('leaves live capture room while an import waits for the writer: live exchanges keep their bodies', async () => {
    const { makeExchange, textBody } = await import('./fixtures.js');
    const body = (n: number) => textBody(JSON.stringify({ n, pad: 'p'.repeat(2000) }));
    const history = await History.open({ dataDir: dataDir(), maxQueueBytes: 4_000_000, maxPendingBatches: 6, batchSize: 50 });
    try {
      const imported = Array.from({ length: 3000 }, (_, n) => makeExchange(n, { responseBody: body(n) }));
      let live = 0;
      let importing = true;
      // Live traffic as the gateway records it (enqueue, never waiting) for as long as the import runs.
      const liveTraffic = (async () => {
        while (importing) {
          history.record(makeExchange(100_000 + live++, { host: 'live.localhost', responseBody: body(live) }));
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      expect(await history.recordAll(imported)).toEqual({ stored: 3000, withoutBody: 0, dropped: 0 });
      importing = false;
      await liveTraffic;
      await history.flush();
      expect(live).toBeGreaterThan(20);
      expect(history.stats().writer).toMatchObject({ droppedBodies: 0, droppedRecords: 0 });
      expect(history.store.count('host:live.localhost')).toBe(live);
    } finally {
      await history.close();
    }
  });
});
