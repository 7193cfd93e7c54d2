/**
 * Opens `<dataDir>/history.db` with the settings every history connection
 * shares (the writer worker's and the reader's), and runs pending migrations.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, type Migration, MIGRATIONS, schemaVersion } from './migrations.js';

export type HistoryDatabase = Database.Database;

export const HISTORY_FILE = 'history.db';

export interface OpenDatabaseOptions {
  /** How long a statement waits for another connection's write lock. */
  busyTimeoutMs?: number;
  /**
   * Let this connection checkpoint the WAL on commit (SQLite's default,
   * every ~4 MB). The writer worker turns it off and checkpoints when idle,
   * so bursts are not slowed by checkpoint copies and fsyncs; the reader that
   * lives next to it turns it off so it never checkpoints on the main thread.
   */
  autoCheckpoint?: boolean;
  /** For tests of the migration runner. */
  migrations?: readonly Migration[];
}

export function historyPath(dataDir: string): string {
  return join(dataDir, HISTORY_FILE);
}

export function openHistoryDatabase(file: string, options: OpenDatabaseOptions = {}): HistoryDatabase {
  try {
    if (file !== ':memory:') mkdirSync(join(file, '..'), { recursive: true });
    return openAndMigrate(new Database(file), file, options);
  } catch (err) {
    throw storageError(err, file);
  }
}

/** SQLite's codes for a file that cannot be written or created: the disk, not the database, is at fault. */
const STORAGE_CODE = /^SQLITE_(READONLY|FULL|CANTOPEN|IOERR|PERM)/;

/**
 * SQLite's own messages ("database or disk is full", "attempt to write a
 * readonly database") name no file: `serve` said only "cannot start: database
 * or disk is full". They name it now, with what to do.
 */
function storageError(err: unknown, file: string): unknown {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (!STORAGE_CODE.test(code) && !/^E(ACCES|ROFS|NOSPC|PERM)$/.test(code)) return err;
  return new Error(`cannot open history ${file}: ${e.message} (it needs a writable data directory with free space: free some, or use another --data-dir)`, { cause: err });
}

function openAndMigrate(db: HistoryDatabase, file: string, options: OpenDatabaseOptions): HistoryDatabase {
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    // Before any pragma that writes: a file that is not ours is left exactly as it was.
    checkOwnership(db, file, options.migrations ?? MIGRATIONS);
    // Must come before the first table exists; a no-op on an existing file.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL loses nothing on a process crash (kill -9), only
    // possibly the last transactions on a power loss, and it fsyncs far less.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    // Truncate the -wal file back to this size after checkpoints.
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    // Keeps ANALYZE (run by PRAGMA optimize) cheap on large tables.
    db.pragma('analysis_limit = 1000');
    if (options.autoCheckpoint === false) db.pragma('wal_autocheckpoint = 0');
    migrate(db, options.migrations ?? MIGRATIONS);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Refuses, without writing anything, a file that is not a SQLite database, a
 * SQLite database of another program (no schema version but tables of its
 * own), or one from a newer Switchyard.
 */
function checkOwnership(db: HistoryDatabase, file: string, migrations: readonly Migration[]): void {
  let version: number;
  let foreign: string[];
  try {
    version = schemaVersion(db);
    foreign = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 5").pluck().all() as string[];
  } catch (err) {
    // A file that cannot be read here (a read-only directory without the WAL's -shm, say) is not a foreign one.
    if (STORAGE_CODE.test(String((err as NodeJS.ErrnoException).code))) throw err;
    throw new Error(`${file} is not a Switchyard history database (${(err as Error).message}); it was left untouched: move it away or use another data directory`, { cause: err });
  }
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
  if (version > latest) {
    throw new Error(`${file} has schema version ${version}, newer than this Switchyard understands (${latest}); upgrade Switchyard or use another data directory`);
  }
  if (version === 0 && foreign.length > 0) {
    throw new Error(`${file} is a SQLite database of another program (tables ${foreign.join(', ')}); it was left untouched: move it away or use another data directory`);
  }
}
