/**
 * The history writer thread. Owns its own SQLite connection, inserts each
 * batch from `HistoryWriter` in one transaction, acknowledges it, and between
 * batches feeds the FTS index (in chunks, so batches are never held up for
 * long) and applies retention; WAL checkpoints run on a thread of its own
 * (`wal-checkpoints.ts`). Started through `worker-launch.ts` (which
 * explains how this file is found from TypeScript sources and from dist/).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openHistoryDatabase } from './database.js';
import { BackgroundPacer, DEFAULT_PACER } from './background-pacer.js';
import { lowerThisThreadPriority } from './background-priority.js';
import { CpuContention } from './cpu-contention.js';
import { createFtsIndexer } from './fts-indexer.js';
import { createBatchInserter } from './insert-exchanges.js';
import { applyRetention, hasRetentionLimits } from './retention.js';
import { WalCheckpoints } from './wal-checkpoints.js';
import type { FromWorker, ToWorker, WorkerConfig } from './worker-protocol.js';

const port = parentPort!;
const config = workerData as WorkerConfig;
const send = (m: FromWorker): void => port.postMessage(m);
/** How long closing may spend indexing rows not yet searchable by free text (HistoryWriter waits 10 s before terminating). */
const CLOSE_INDEX_BUDGET_MS = 5000;
lowerThisThreadPriority();

let db: ReturnType<typeof openHistoryDatabase>;
try {
  db = openHistoryDatabase(config.file, { busyTimeoutMs: config.busyTimeoutMs, autoCheckpoint: false });
} catch (err) {
  const message = (err as Error).message;
  send({ type: 'fatal', message });
  // That message and this error race to the parent; a plain Error keeps its message through structured cloning.
  throw new Error(message);
}
const insertBatch = createBatchInserter(db);
const indexer = createFtsIndexer(db);

// --- Background work, writes first: FTS indexing (and, without the
// checkpoint thread, WAL checkpoints) run in small steps between batches (a
// batch arriving meanwhile waits at most one step), paced by `BackgroundPacer`
// so they never compete with a busy gateway.
const checkpoints = new WalCheckpoints(db, {
  startBytes: config.checkpointStartBytes,
  maxWalBytes: config.maxWalBytes,
  thread: config.checkpointThread ? { file: config.file, busyTimeoutMs: config.busyTimeoutMs } : null,
  onWarning: (message) => send({ type: 'warning', message }),
});
// Opened here, on the writer thread: it reports this thread's waits for a CPU.
const contention = new CpuContention();
const pacer = new BackgroundPacer(DEFAULT_PACER, () => contention.sample());
let idle: NodeJS.Immediate | NodeJS.Timeout | null = null;

/** One step of background work; true when there is more to do. */
function backgroundStep(): boolean {
  if (checkpoints.idleStep()) return true;
  const n = indexer.indexNext(config.ftsChunkRows);
  checkpoints.written(n * 3072);
  return n === config.ftsChunkRows || checkpoints.idleWorkDue;
}

function scheduleIdleWork(): void {
  if (idle !== null) return;
  const step = (): void => {
    idle = null;
    const startedAt = Date.now();
    if (pacer.delay(startedAt) > 0) return scheduleIdleWork();
    const t0 = performance.now();
    let more = false;
    try {
      more = backgroundStep();
    } catch (err) {
      send({ type: 'warning', message: `history indexing or checkpoint failed: ${(err as Error).message}` });
    }
    pacer.spent(startedAt, performance.now() - t0);
    if (more) scheduleIdleWork();
  };
  const wait = pacer.delay(Date.now());
  idle = wait > 0 ? setTimeout(step, wait) : setImmediate(step);
}
// Catch up on rows a previous run committed but did not index (e.g. after kill -9).
scheduleIdleWork();

// --- Planner statistics for `exchanges` only, refreshed as the table grows or
// shrinks by 2× (cheap: analysis_limit). Never a plain ANALYZE or PRAGMA
// optimize: statistics on the FTS5 shadow tables make FTS5 inserts ~2× slower.
let analyzedRows = (() => {
  try {
    const stat = db.prepare("SELECT stat FROM sqlite_stat1 WHERE tbl = 'exchanges' LIMIT 1").pluck().get() as string | undefined;
    return stat === undefined ? 0 : Number.parseInt(stat, 10);
  } catch {
    return 0; // no sqlite_stat1 yet
  }
})();
const countRows = db.prepare('SELECT rows FROM history_state WHERE id = 1').pluck();
function maybeAnalyze(): void {
  const rows = countRows.get() as number;
  if (rows >= 1000 && (rows >= 2 * analyzedRows || rows * 2 < analyzedRows)) {
    db.exec('ANALYZE exchanges');
    analyzedRows = rows;
  }
}

// --- Retention: after batches (at most every retentionIntervalMs) and on an idle timer.
const retentionOn = hasRetentionLimits(config.retention);
let lastRetention = 0;
let retentionContinuation: NodeJS.Immediate | null = null;

function runRetention(requestId = 0): void {
  retentionContinuation = null;
  lastRetention = Date.now();
  try {
    const r = applyRetention(db, config.retention!, {
      chunkSize: config.retentionChunkSize,
      // Runs the worker starts itself do a bounded amount, then yield to batches.
      maxChunks: requestId !== 0 ? Number.POSITIVE_INFINITY : 8,
    });
    if (r.deleted > 0) {
      checkpoints.written(r.deleted * 1024 + r.reclaimedPages * 4096);
      scheduleIdleWork();
    }
    if (r.deleted > 0 || requestId !== 0) send({ type: 'retention', requestId, deleted: r.deleted, reclaimedPages: r.reclaimedPages });
    if (r.more) retentionContinuation = setImmediate(() => runRetention());
  } catch (err) {
    send({ type: 'warning', message: `history retention failed: ${(err as Error).message}` });
    if (requestId !== 0) send({ type: 'retention', requestId, deleted: 0, reclaimedPages: 0 });
  }
}
const idleTimer = retentionOn ? setInterval(() => runRetention(), Math.max(50, config.retentionIntervalMs)) : null;

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'batch': {
      let bytes = 0;
      try {
        const r = insertBatch(m);
        send({ type: 'written', batchId: m.batchId, count: m.count, inserted: r.inserted, duplicates: r.duplicates });
        bytes = r.bytes;
      } catch (err) {
        send({ type: 'failed', batchId: m.batchId, count: m.count, message: (err as Error).message });
      }
      pacer.batchWritten(Date.now());
      scheduleIdleWork();
      try {
        // After the acknowledgement: a checkpoint that fails must not fail a committed batch.
        checkpoints.written(bytes);
        maybeAnalyze();
      } catch (err) {
        send({ type: 'warning', message: `history checkpoint or ANALYZE failed: ${(err as Error).message}` });
      }
      if (retentionOn && retentionContinuation === null && Date.now() - lastRetention >= config.retentionIntervalMs) runRetention();
      break;
    }
    case 'retention':
      if (retentionOn) runRetention(m.requestId);
      else send({ type: 'retention', requestId: m.requestId, deleted: 0, reclaimedPages: 0 });
      break;
    case 'index':
      try {
        for (let n; (n = indexer.indexNext(4 * config.ftsChunkRows)) > 0; ) checkpoints.written(n * 3072);
        scheduleIdleWork();
      } catch (err) {
        send({ type: 'warning', message: `history indexing failed: ${(err as Error).message}` });
      }
      send({ type: 'indexed', requestId: m.requestId });
      break;
    case 'stall':
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, m.ms);
      break;
    case 'close':
      if (idleTimer !== null) clearInterval(idleTimer);
      if (retentionContinuation !== null) clearImmediate(retentionContinuation);
      if (idle !== null) {
        clearTimeout(idle as NodeJS.Timeout);
        clearImmediate(idle as NodeJS.Immediate);
      }
      contention.close();
      // Leave the free-text index caught up, for searches before the next run (within a bound: the rest is indexed on the next open).
      try {
        const until = performance.now() + CLOSE_INDEX_BUDGET_MS;
        while (performance.now() < until && indexer.indexNext(4 * config.ftsChunkRows) > 0);
      } catch (err) {
        send({ type: 'warning', message: `history indexing failed: ${(err as Error).message}` });
      }
      void checkpoints.close().finally(() => {
        try {
          db.pragma('wal_checkpoint(PASSIVE)');
        } finally {
          db.close();
          send({ type: 'closed' });
          port.close();
        }
      });
      break;
  }
});

send({ type: 'ready' });
