import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { openHistoryDatabase } from '../../src-proxy/history/database.js';
import { HistoryStore } from '../../src-proxy/history/history-store.js';
import { MIGRATIONS, migrate, SCHEMA_VERSION, schemaVersion, type Migration } from '../../src-proxy/history/migrations.js';
import { directInserter } from './direct-insert.js';
import { makeExchange, tempDir } from './fixtures.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});
function dbFile(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return join(t.dir, 'nested', 'history.db');
}

/** A file at schema `version` holding one exchange row 'old1' with the given scheme and header texts, as an older build wrote it. */
function oldDatabase(version: number, row: { scheme: string; reqHeaders: string; resHeaders: string }): string {
  const file = dbFile();
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  migrate(db, MIGRATIONS.slice(0, version));
  db.prepare(
    `INSERT INTO exchanges (id, request_id, started_at, method, scheme, http_version, host, path, url, status, client, client_port, listener,
      duration, req_size, res_size, attempts, source, aborted, truncated, bodies_dropped, req_headers, res_headers, timings, policies, bytes)
     VALUES ('old1', 'r1', 1000, 'GET', ?, '1.1', 'h', '/', '/', 200, '127.0.0.1', 1, 'l', 1, 0, 0, 1, 'live', 0, 0, 0, ?, ?, '{"queue":0,"connect":0,"ttfb":1,"total":1}', '[]', 10)`,
  ).run(row.scheme, row.reqHeaders, row.resHeaders);
  expect(schemaVersion(db)).toBe(version);
  db.close();
  return file;
}

const tables = (db: ReturnType<typeof openHistoryDatabase>): string[] =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);

/** How many entries an index holds (its leaf cells, from the dbstat table): a query through it only shows rows its WHERE lets through. */
const indexEntries = (db: ReturnType<typeof openHistoryDatabase>, index: string): number =>
  db.prepare("SELECT coalesce(sum(ncell), 0) FROM dbstat WHERE name = ? AND pagetype = 'leaf'").pluck().get(index) as number;

describe('history database and migrations', () => {
  it('creates a fresh database with the full schema and the connection settings', () => {
    const file = dbFile();
    const db = openHistoryDatabase(file);
    try {
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
      expect(tables(db)).toEqual(expect.arrayContaining(['exchanges', 'bodies', 'ws_messages', 'exchanges_fts', 'history_state']));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('auto_vacuum', { simple: true })).toBe(2); // INCREMENTAL
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000);
      const indexes = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'exchanges'").pluck().all();
      expect(indexes).toEqual(expect.arrayContaining(['exchanges_time', 'exchanges_status', 'exchanges_host', 'exchanges_route']));
      expect(db.prepare('SELECT rows, bytes, indexed_seq FROM history_state').get()).toEqual({ rows: 0, bytes: 0, indexed_seq: 0 });
    } finally {
      db.close();
    }
  });

  it('answers a cache filter from the partial cache-status index, in time order', () => {
    const db = openHistoryDatabase(dbFile());
    try {
      const plan = (sql: string): string =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('STALE') as { detail: string }[]).map((p) => p.detail).join('; ');
      const eq = plan('SELECT id FROM exchanges WHERE cache_status = ? ORDER BY started_at DESC, id DESC LIMIT 51');
      expect(eq).toContain('USING INDEX exchanges_cache (cache_status=?)');
      expect(eq).not.toContain('TEMP B-TREE FOR ORDER BY');
      // A row without a cache decision has no entry to insert.
      db.prepare(
        `INSERT INTO exchanges (id, request_id, started_at, method, scheme, http_version, host, path, url, status, client, client_port, listener,
          duration, req_size, res_size, attempts, source, aborted, truncated, bodies_dropped, req_headers, res_headers, timings, policies, bytes)
         VALUES ('a', 'r', 1, 'GET', 'http', '1.1', 'h', '/', '/', 200, 'c', 1, 'l', 1, 0, 0, 1, 'live', 0, 0, 0, '[]', '[]', '{}', '[]', 1)`,
      ).run();
      expect(db.prepare('SELECT count(*) FROM exchanges INDEXED BY exchanges_cache WHERE cache_status IS NOT NULL').pluck().get()).toBe(0);
      expect(indexEntries(db, 'exchanges_time')).toBe(1);
      expect(indexEntries(db, 'exchanges_cache')).toBe(0);
      db.prepare("UPDATE exchanges SET cache_status = 'HIT' WHERE id = 'a'").run();
      expect(indexEntries(db, 'exchanges_cache')).toBe(1);
    } finally {
      db.close();
    }
  });

  it('answers error and replay filters from partial indexes that rows without them add nothing to', () => {
    const db = openHistoryDatabase(dbFile());
    try {
      const plan = (sql: string, ...params: string[]): string =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((p) => p.detail).join('; ');
      const page = 'ORDER BY started_at DESC, id DESC LIMIT 51';
      expect(plan(`SELECT id FROM exchanges WHERE error_code = ? ${page}`, 'X')).toContain('USING INDEX exchanges_error (error_code=?)');
      expect(plan(`SELECT id FROM exchanges WHERE error_code GLOB ? ${page}`, 'UP*')).toContain('USING INDEX exchanges_error');
      expect(plan('SELECT id FROM exchanges WHERE replay_of = ?', 'x')).toContain('USING INDEX exchanges_replay (replay_of=?)');
      directInserter(db)([makeExchange(1), makeExchange(2, { error: { code: 'UPSTREAM_TIMEOUT', message: 'm' }, replayOf: makeExchange(1).id })]);
      const entries = (index: string, column: string): unknown[] =>
        db.prepare(`SELECT id FROM exchanges INDEXED BY ${index} WHERE ${column} IS NOT NULL`).pluck().all();
      expect(entries('exchanges_error', 'error_code')).toEqual([makeExchange(2).id]);
      expect(entries('exchanges_replay', 'replay_of')).toEqual([makeExchange(2).id]);
      expect(indexEntries(db, 'exchanges_time')).toBe(2);
      expect(indexEntries(db, 'exchanges_error')).toBe(1);
      expect(indexEntries(db, 'exchanges_replay')).toBe(1);
    } finally {
      db.close();
    }
  });

  it('does nothing on reopen of an up-to-date database and keeps its rows', () => {
    const file = dbFile();
    const first = openHistoryDatabase(file);
    first.prepare('UPDATE history_state SET rows = 42').run();
    first.close();
    const second = openHistoryDatabase(file);
    try {
      expect(migrate(second)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
      expect(second.prepare('SELECT rows FROM history_state').pluck().get()).toBe(42);
    } finally {
      second.close();
    }
  });

  it('runs only the pending migrations of an existing database, in order', () => {
    const file = dbFile();
    openHistoryDatabase(file).close();
    const ran: number[] = [];
    const extra: Migration[] = [
      ...MIGRATIONS,
      {
        version: SCHEMA_VERSION + 1,
        description: 'test: a column',
        up(db) {
          ran.push(SCHEMA_VERSION + 1);
          db.exec("ALTER TABLE exchanges ADD COLUMN note TEXT NOT NULL DEFAULT ''");
        },
      },
      {
        version: SCHEMA_VERSION + 2,
        description: 'test: an index',
        up(db) {
          ran.push(SCHEMA_VERSION + 2);
          db.exec('CREATE INDEX exchanges_note ON exchanges(note)');
        },
      },
    ];
    const db = openHistoryDatabase(file, { migrations: extra });
    try {
      expect(ran).toEqual([SCHEMA_VERSION + 1, SCHEMA_VERSION + 2]);
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION + 2);
      expect(migrate(db, extra)).toEqual({ from: SCHEMA_VERSION + 2, to: SCHEMA_VERSION + 2 });
      expect(ran).toHaveLength(2);
    } finally {
      db.close();
    }
  });

  it('rolls a failing migration back entirely', () => {
    const file = dbFile();
    openHistoryDatabase(file).close();
    const failing: Migration[] = [
      ...MIGRATIONS,
      {
        version: SCHEMA_VERSION + 1,
        description: 'test: fails halfway',
        up(db) {
          db.exec('CREATE TABLE half (x)');
          throw new Error('boom');
        },
      },
    ];
    expect(() => openHistoryDatabase(file, { migrations: failing })).toThrow('boom');
    const db = openHistoryDatabase(file);
    try {
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
      expect(tables(db)).not.toContain('half');
    } finally {
      db.close();
    }
  });

  it('refuses a database from a newer schema', () => {
    const file = dbFile();
    const db = openHistoryDatabase(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    expect(() => openHistoryDatabase(file)).toThrow(/newer than this Switchyard understands/);
  });

  it('schema 2: a version-1 database gains the TLS and interception columns, and its rows read back without them', () => {
    const file = oldDatabase(1, { scheme: 'https', reqHeaders: '[]', resHeaders: '[]' });
    const store = HistoryStore.open(file);
    try {
      expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION);
      const old = store.get('old1')!;
      expect(old.scheme).toBe('https');
      expect(old.tls).toBeUndefined();
      expect(old.intercepted).toBeUndefined();
      expect(store.count('is:intercepted')).toBe(0);
    } finally {
      store.close();
    }
  });

  it('schema 5: rows of a version-4 database keep their JSON header lists, read back and are found next to rows in the joined form', () => {
    const file = oldDatabase(4, { scheme: 'http', reqHeaders: '["Host","h","X-Old","oldvalue"]', resHeaders: '["Content-Type","text/plain"]' });
    const store = HistoryStore.open(file);
    try {
      expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION);
      directInserter(store.db)([makeExchange(1, { requestHeaders: ['Host', 'api.localhost', 'X-New', 'newvalue'] })]);
      const stored = store.db.prepare("SELECT id, req_headers FROM exchanges ORDER BY seq").all();
      expect(stored).toEqual([
        { id: 'old1', req_headers: '["Host","h","X-Old","oldvalue"]' },
        { id: makeExchange(1).id, req_headers: 'Host\napi.localhost\nX-New\nnewvalue' },
      ]);
      expect(store.get('old1')!.requestHeaders).toEqual(['Host', 'h', 'X-Old', 'oldvalue']);
      expect(store.get('old1')!.responseHeaders).toEqual(['Content-Type', 'text/plain']);
      expect(store.get(makeExchange(1).id)!.requestHeaders).toEqual(['Host', 'api.localhost', 'X-New', 'newvalue']);
      expect(store.search({ query: 'header:oldvalue' }).items.map((i) => i.id)).toEqual(['old1']);
      expect(store.search({ query: 'header:newvalue' }).items.map((i) => i.id)).toEqual([makeExchange(1).id]);
    } finally {
      store.close();
    }
  });

  it('schema 6: the error and replay indexes of a version-5 database are rebuilt partial, and still find its rows', () => {
    const file = oldDatabase(5, { scheme: 'http', reqHeaders: '', resHeaders: '' });
    const old = new Database(file);
    old.prepare("UPDATE exchanges SET error_code = 'UPSTREAM_RESET', replay_of = 'orig1' WHERE id = 'old1'").run();
    old.exec('ANALYZE exchanges');
    old.close();
    const store = HistoryStore.open(file);
    try {
      expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION);
      const definition = (name: string): unknown => store.db.prepare('SELECT sql FROM sqlite_schema WHERE name = ?').pluck().get(name);
      expect(definition('exchanges_error')).toMatch(/WHERE error_code IS NOT NULL$/);
      expect(definition('exchanges_replay')).toMatch(/WHERE replay_of IS NOT NULL$/);
      // Dropping an index drops its planner statistics; the file had some, so the new indexes get theirs.
      const stats = store.db.prepare("SELECT idx FROM sqlite_stat1 WHERE idx IN ('exchanges_error', 'exchanges_replay') ORDER BY idx").pluck().all();
      expect(stats).toEqual(['exchanges_error', 'exchanges_replay']);
      expect(store.search({ query: 'error:UPSTREAM_RESET' }).items.map((i) => i.id)).toEqual(['old1']);
      expect(store.search({ query: 'error:UPSTREAM_*' }).items.map((i) => i.id)).toEqual(['old1']);
      expect(store.search({ query: 'is:error' }).items.map((i) => i.id)).toEqual(['old1']);
      expect(store.search({ query: 'replay-of:orig1' }).items.map((i) => i.id)).toEqual(['old1']);
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      store.close();
    }
  });

  it('schema 7: rows a version-6 database imported get the upgrade as their import time; live rows add nothing to its index', () => {
    const file = oldDatabase(6, { scheme: 'http', reqHeaders: '', resHeaders: '' });
    const old = new Database(file);
    old.prepare("UPDATE exchanges SET source = 'import' WHERE id = 'old1'").run();
    old.close();
    const before = Date.now();
    const store = HistoryStore.open(file);
    try {
      expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION);
      const importedAt = store.db.prepare("SELECT imported_at FROM exchanges WHERE id = 'old1'").pluck().get() as number;
      expect(importedAt).toBeGreaterThanOrEqual(before);
      expect(importedAt).toBeLessThanOrEqual(Date.now());
      directInserter(store.db, { now: () => 5 })([makeExchange(1), makeExchange(2, { source: 'import' }), makeExchange(3, { source: 'replay' })]);
      const stamped = store.db.prepare('SELECT id, imported_at FROM exchanges WHERE id != ? ORDER BY seq').all('old1');
      expect(stamped).toEqual([
        { id: makeExchange(1).id, imported_at: null },
        { id: makeExchange(2).id, imported_at: 5 },
        { id: makeExchange(3).id, imported_at: null },
      ]);
      expect(indexEntries(store.db, 'exchanges_imported')).toBe(2);
      const plan = (sql: string): string =>
        (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1, 10) as { detail: string }[]).map((p) => p.detail).join('; ');
      expect(plan('SELECT seq FROM exchanges WHERE imported_at < ? ORDER BY imported_at LIMIT ?')).toContain('USING COVERING INDEX exchanges_imported');
      expect(plan('SELECT seq FROM exchanges WHERE started_at < ? AND imported_at IS NULL ORDER BY started_at, id LIMIT ?')).toContain('USING INDEX exchanges_time');
    } finally {
      store.close();
    }
  });
});

describe('a history file that cannot be written', () => {
  it('is refused with an error naming the file and saying what to do, not a bare SQLite message', () => {
    const file = dbFile();
    openHistoryDatabase(file).close();
    // The WAL's shared-memory file cannot be created (as in a read-only directory): SQLite says only
    // "attempt to write a readonly database", which serve printed as "cannot start: attempt to write …".
    mkdirSync(`${file}-shm`);
    let message = '';
    try {
      openHistoryDatabase(file).close();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(file);
    expect(message).toMatch(/readonly database/);
    expect(message).toContain('another --data-dir');
    expect(message).not.toMatch(/not a Switchyard history database/);
  });
});
