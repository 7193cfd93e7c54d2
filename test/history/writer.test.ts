import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { History } from '../../src-proxy/history/history.js';
import { HistoryStore } from '../../src-proxy/history/history-store.js';
import { HistoryWriter } from '../../src-proxy/history/history-writer.js';
import { idFor, sizedExchange, tempDir } from './fixtures.js';

let cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function openHistory(options: Partial<Parameters<typeof History.open>[0]>): Promise<History> {
  const t = tempDir();
  const history = await History.open({ dataDir: t.dir, ...options });
  cleanups.push(t.cleanup, () => history.close());
  return history;
}

/** Largest event-loop delay seen while `fn` runs (a 5 ms interval timer). */
async function maxLoopDelay(fn: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return worst;
}

describe('history writer', () => {
  it('never blocks on a stalled worker: drops bodies first, then whole records, and counts both', async () => {
    const history = await openHistory({
      batchIntervalMs: 10,
      batchSize: 100,
      maxQueueBytes: 2 * 1024 * 1024,
      hardMaxQueueBytes: 3 * 1024 * 1024,
      maxPendingBatches: 1000,
    });
    history.writer.stallWorkerForTest(1500);

    const accepted: boolean[] = [];
    let slowest = 0;
    const loopDelay = await maxLoopDelay(async () => {
      // 4000 records × 8 KB bodies (32 MB) against a 2 MB soft / 3 MB hard queue, fed over ~0.4 s.
      for (let round = 0; round < 40; round++) {
        for (let i = 0; i < 100; i++) {
          const record = sizedExchange(round * 100 + i, 8 * 1024);
          const t = performance.now();
          accepted.push(history.record(record));
          slowest = Math.max(slowest, performance.now() - t);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    });

    // The worker was stalled for 1.5 s: waiting on it anywhere would show up as a
    // delay of that size. The bounds leave room for a loaded machine.
    expect(slowest).toBeLessThan(500);
    expect(loopDelay).toBeLessThan(1000);

    const s = history.writer.stats();
    expect(s.droppedBodies).toBeGreaterThan(0);
    expect(s.droppedRecords).toBeGreaterThan(0);
    expect(s.enqueued + s.droppedRecords).toBe(4000);
    expect(s.queuedBytes).toBeLessThanOrEqual(3 * 1024 * 1024);

    await history.flush({ index: true });
    const after = history.writer.stats();
    expect(after).toMatchObject({ written: s.enqueued, pendingBatches: 0, queuedRecords: 0, queuedBytes: 0, failedRecords: 0 });

    // What the counters say is what the database holds.
    expect(history.store.count()).toBe(s.enqueued);
    expect(history.store.count('is:dropped')).toBe(s.droppedBodies);
    // Bodies went first: the first record to lose its body comes before the first one dropped whole,
    // and every record before the first body drop kept its bytes.
    const firstRejected = accepted.indexOf(false);
    const stored = accepted.map((ok, n) => (ok ? history.store.get(idFor(n)) : null));
    const firstBodyDropped = stored.findIndex((x) => x?.bodiesDropped === true);
    expect(firstBodyDropped).toBeGreaterThan(0);
    expect(firstBodyDropped).toBeLessThan(firstRejected);
    expect(stored.slice(0, firstBodyDropped).every((x) => x !== null && x.responseBody.bytes !== null && !x.bodiesDropped)).toBe(true);
    const dropped = stored[firstBodyDropped]!;
    expect(dropped.responseBody).toMatchObject({ bytes: null, contentType: 'application/json' });
    expect(dropped.responseBody.size).toBeGreaterThan(8000);
    expect(dropped.requestHeaders.length).toBeGreaterThan(0);
  });

  it('drops bodies when the worker falls behind by too many batches, even with few bytes', async () => {
    const history = await openHistory({ batchIntervalMs: 5, batchSize: 10, maxPendingBatches: 5, hardMaxPendingBatches: 1000 });
    history.writer.stallWorkerForTest(600);
    let n = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10; i++) history.record(sizedExchange(n++, 200));
      await new Promise((r) => setTimeout(r, 10));
    }
    const s = history.writer.stats();
    expect(s.pendingBatches).toBeGreaterThanOrEqual(5);
    expect(s.droppedBodies).toBeGreaterThan(0);
    expect(s.droppedRecords).toBe(0);
    await history.flush();
    expect(history.store.count()).toBe(200);
    expect(history.store.count('is:dropped')).toBe(s.droppedBodies);
  });

  it('flushes on the batch interval without an explicit flush', async () => {
    const history = await openHistory({ batchIntervalMs: 20 });
    history.record(sizedExchange(1, 100));
    const deadline = Date.now() + 2000;
    while (history.writer.stats().written < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(history.writer.stats().written).toBe(1);
    expect(history.store.get(idFor(1))).not.toBeNull();
  });

  it('indexes for free-text search on its own once traffic pauses', async () => {
    const history = await openHistory({ batchIntervalMs: 10, batchSize: 50 });
    for (let i = 0; i < 500; i++) history.record(sizedExchange(i, 2000));
    await history.flush(); // committed, not necessarily indexed
    const deadline = Date.now() + 20_000;
    while (history.store.stats().unindexed > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(history.store.stats().unindexed).toBe(0);
    expect(history.store.count('klmnopqrst')).toBe(500);
  });

  it('writes what arrives while close() flushes, refuses (and counts) what comes after, and leaves every row searchable', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    // No batch timer: what arrives during close()'s flush is only written if close() itself sends it.
    const history = await History.open({ dataDir: t.dir, batchIntervalMs: 60_000 });
    for (let i = 0; i < 200; i++) history.record(sizedExchange(i, 2000));
    // A slow disk: close()'s flush waits, and records keep coming meanwhile.
    history.writer.stallWorkerForTest(500);
    const closing = history.close();
    const duringFlush: boolean[] = [];
    for (let i = 200; i < 210; i++) duringFlush.push(history.record(sizedExchange(i, 2000)));
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 210; i < 220; i++) duringFlush.push(history.record(sizedExchange(i, 2000)));
    await closing;
    const accepted = duringFlush.filter(Boolean).length;
    expect(accepted).toBeGreaterThanOrEqual(10);
    expect(history.record(sizedExchange(999, 2000))).toBe(false);
    // Every record accepted is written; every other one is counted as dropped.
    expect(history.writer.stats()).toMatchObject({ written: 200 + accepted, droppedRecords: 1 + (20 - accepted), queuedRecords: 0 });

    const store = HistoryStore.open(join(t.dir, 'history.db'));
    try {
      expect(store.count()).toBe(200 + accepted);
      expect(store.stats().unindexed).toBe(0);
      expect(store.count('klmnopqrst')).toBe(200 + accepted);
    } finally {
      store.close();
    }
  });

  it('reports a worker that cannot open the database', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    // A directory where the database file should be.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(`${t.dir}/history.db`);
    await expect(History.open({ dataDir: t.dir })).rejects.toThrow(/unable to open database file/);
    // That refusal comes from this thread's connection, before any worker starts: the worker's own report is asked for here.
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the writer neither started nor reported why not')), 10_000);
    });
    try {
      await expect(Promise.race([HistoryWriter.start({ file: `${t.dir}/history.db` }), silence])).rejects.toThrow(/unable to open database file/);
    } finally {
      clearTimeout(timer);
    }
  });
});
