import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type HistoryDatabase, openHistoryDatabase } from './database.js';
import { WalCheckpoints } from './wal-checkpoints.js';

const KB = 1024;
const MB = 1024 * KB;

let dir: string;
let db: HistoryDatabase | null = null;
let checkpoints: WalCheckpoints | null = null;
afterEach(async () => {
  await checkpoints?.close();
  db?.close();
  checkpoints = null;
  db = null;
  rmSync(dir, { recursive: true, force: true });
});

/** A history database (WAL, no automatic checkpoints, as the writer opens it) with a table to fill. */
function open(): { db: HistoryDatabase; file: string } {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-wal-'));
  const file = join(dir, 'history.db');
  db = openHistoryDatabase(file, { autoCheckpoint: false });
  db.exec('CREATE TABLE filler (data BLOB NOT NULL)');
  return { db, file };
}

/** Writes `bytes` of 4 KiB rows in one transaction; returns the bytes, as the writer reports a batch. */
function write(db: HistoryDatabase, bytes: number): number {
  const insert = db.prepare('INSERT INTO filler (data) VALUES (randomblob(4000))');
  db.transaction(() => {
    for (let n = 0; n < bytes; n += 4 * KB) insert.run();
  })();
  return bytes;
}

const size = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WAL checkpoints', () => {
  it('run on their own thread: the database file fills while this thread only waits', async () => {
    const { db, file } = open();
    write(db, 4 * MB);
    const before = size(file);
    expect(size(`${file}-wal`)).toBeGreaterThan(4 * MB);
    const warnings: string[] = [];
    // Nothing is known about the WAL after opening (a kill -9 may have left it large): the thread is asked at once.
    checkpoints = new WalCheckpoints(db, { startBytes: 1 * MB, maxWalBytes: 1024 * MB, thread: { file, busyTimeoutMs: 5000 }, onWarning: (w) => warnings.push(w) });
    await until(() => !checkpoints!.threadRunning && size(file) >= before + 4 * MB, 'the pages are in the database file');

    // Fully copied: the next write starts the WAL over instead of growing it.
    const wal = size(`${file}-wal`);
    checkpoints.written(write(db, 1 * MB));
    expect(size(`${file}-wal`)).toBe(wal);

    // Past startBytes the next write asks the thread again.
    const copied = size(file);
    checkpoints.written(write(db, 2 * MB));
    await until(() => size(file) >= copied + 2 * MB, 'the new pages are in the database file');
    expect(checkpoints.idleStep()).toBe(false); // the writer thread never checkpoints itself here

    await checkpoints.close();
    expect(warnings).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it.each([
    ['with the thread', true],
    ['without it', false],
  ])('keep the WAL file bounded under writes that never pause (%s)', (_, thread) => {
    const { db, file } = open();
    checkpoints = new WalCheckpoints(db, {
      startBytes: 256 * KB,
      maxWalBytes: 2 * MB,
      thread: thread ? { file, busyTimeoutMs: 5000 } : null,
      onWarning: (w) => expect.fail(w),
    });
    let largest = 0;
    // 16 MB in 64 KB batches, back to back: this thread never yields, so the
    // thread's checkpoints (if any) never catch up with the writes.
    for (let i = 0; i < 256; i++) {
      checkpoints.written(write(db, 64 * KB));
      largest = Math.max(largest, size(`${file}-wal`));
    }
    // maxWalBytes (estimated from the bytes written: the WAL adds frame headers
    // and b-tree pages), plus what was written while the thread's last checkpoint ran.
    expect(largest).toBeLessThan(3 * MB);
    expect(size(file)).toBeGreaterThan(12 * MB);
    expect(db.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(256 * 16);
  });

  it('without the thread, checkpoint between batches once startBytes may be waiting', () => {
    const { db, file } = open();
    checkpoints = new WalCheckpoints(db, { startBytes: 1 * MB, maxWalBytes: 1024 * MB, thread: null, onWarning: (w) => expect.fail(w) });
    // Unknown WAL after opening: due at once.
    expect(checkpoints.idleWorkDue).toBe(true);
    expect(checkpoints.idleStep()).toBe(true);
    expect(checkpoints.idleStep()).toBe(false);
    checkpoints.written(write(db, 512 * KB));
    expect(checkpoints.idleWorkDue).toBe(false);
    const before = size(file);
    checkpoints.written(write(db, 1 * MB));
    expect(size(file)).toBe(before); // not after the write itself…
    expect(checkpoints.idleStep()).toBe(true); // …but between batches
    expect(size(file)).toBeGreaterThanOrEqual(before + 1.5 * MB);
    expect(checkpoints.idleWorkDue).toBe(false);
  });

  it('fall back to the writer thread when the checkpoint thread fails, with a warning', async () => {
    const { db, file } = open();
    const warnings: string[] = [];
    // The thread cannot open a directory as its database.
    checkpoints = new WalCheckpoints(db, { startBytes: 1 * MB, maxWalBytes: 1024 * MB, thread: { file: dir, busyTimeoutMs: 100 }, onWarning: (w) => warnings.push(w) });
    await until(() => checkpoints!.idleWorkDue, 'the writer takes the checkpoints over');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^history checkpoint thread (failed|exited).*; the writer checkpoints itself$/);
    write(db, 2 * MB);
    const before = size(file);
    expect(checkpoints.idleStep()).toBe(true);
    expect(size(file)).toBeGreaterThanOrEqual(before + 2 * MB);
  });
});
