import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { History } from '../../src-proxy/history/history.js';
import { HistoryStore } from '../../src-proxy/history/history-store.js';
import { ftsIntegrityCheck } from './direct-insert.js';
import { idFor, sizedExchange, tempDir } from './fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('./kill-writer.fixture.ts', import.meta.url));

let cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('history under kill -9', () => {
  it('reopens intact with every batch the writer reported committed', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const batchIntervalMs = 50;
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, t.dir, String(batchIntervalMs)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const reports: { at: number; written: number; enqueued: number }[] = [];
    let buffer = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const m = /^written (\d+) enqueued (\d+)$/.exec(line);
        if (m) reports.push({ at: performance.now(), written: Number(m[1]), enqueued: Number(m[2]) });
      }
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));

    // Let it write for a while under load (several thousand rows, many batches), then kill it mid-stream.
    const deadline = Date.now() + 30_000;
    while ((reports.at(-1)?.written ?? 0) < 6000 && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(child.exitCode, stderr).toBeNull();
    const killedAt = performance.now();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const last = reports.at(-1)!;
    expect(last.written).toBeGreaterThanOrEqual(6000);

    const store = HistoryStore.open(join(t.dir, 'history.db'));
    cleanups.push(() => store.close());
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(store.db.pragma('foreign_key_check')).toEqual([]);
    ftsIntegrityCheck(store.db);
    // Everything reported committed is there, in full.
    const rows = store.count();
    expect(rows).toBeGreaterThanOrEqual(last.written);
    expect(store.db.prepare('SELECT count(*) FROM exchanges WHERE id < ?').pluck().get(idFor(last.written))).toBe(last.written);
    expect(store.get(idFor(last.written - 1))!.responseBody.bytes!.byteLength).toBeGreaterThan(1000);
    expect(store.stats().rows).toBe(rows);
    // Lost at most what was still queued or in flight: everything enqueued a little
    // longer ago than the batch interval (plus commit time, generous for loaded CI) is there.
    const settled = reports.filter((r) => r.at <= killedAt - 10 * batchIntervalMs).at(-1);
    if (settled !== undefined) expect(rows).toBeGreaterThanOrEqual(settled.enqueued);
    if (process.env.HISTORY_TEST_VERBOSE) console.log({ rows, last, lostAfterLastReport: last.enqueued - rows, settled });

    // The database is usable again: a new writer appends and the FTS indexer catches up.
    store.close();
    cleanups.pop();
    const history = await History.open({ dataDir: t.dir });
    cleanups.push(() => history.close());
    history.record(sizedExchange(10_000_000, 500));
    await history.flush({ index: true });
    expect(history.store.count()).toBe(rows + 1);
    expect(history.store.stats().unindexed).toBe(0);
    expect(history.store.count('klmnopqrst')).toBe(rows + 1);
  });
});
