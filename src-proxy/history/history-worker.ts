/**
 * The history writer thread. Owns its own SQLite connection, inserts each
 * batch from `HistoryWriter` in one transaction, acknowledges it, and between
 * batches feeds the FTS index (in chunks, so batches are never held up for
 * long) and applies retention. Started through `worker-launch.ts` (which
 * explains how this file is found from TypeScript sources and from dist/).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openHistoryDatabase } from './database.js';
import { createFtsIndexer } from './fts-indexer.js';
import { createBatchInserter } from './insert-exchanges.js';
import { applyRetention, hasRetentionLimits } from './retention.js';
import type { FromWorker, ToWorker, WorkerConfig } from './worker-protocol.js';

const port = parentPort!;
const config = workerData as WorkerConfig;
const send = (m: FromWorker): void => port.postMessage(m);

let db: ReturnType<typeof openHistoryDatabase>;
try {
  db = openHistoryDatabase(config.file, { busyTimeoutMs: config.busyTimeoutMs });
} catch (err) {
  send({ type: 'fatal', message: (err as Error).message });
  throw err;
}
const insertBatch = createBatchInserter(db);
const indexer = createFtsIndexer(db);

// --- FTS indexing: one chunk per event-loop turn, so batch messages interleave.
let indexing: NodeJS.Immediate | null = null;
function scheduleIndexing(): void {
  indexing ??= setImmediate(() => {
    indexing = null;
    try {
      if (indexer.indexNext(config.ftsChunkRows) === config.ftsChunkRows) scheduleIndexing();
    } catch (err) {
      send({ type: 'warning', message: `history indexing failed: ${(err as Error).message}` });
    }
  });
}
// Catch up on rows a previous run committed but did not index (e.g. after kill -9).
scheduleIndexing();

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
      try {
        const r = insertBatch(m);
        send({ type: 'written', batchId: m.batchId, count: m.records.length, inserted: r.inserted, duplicates: r.duplicates });
      } catch (err) {
        send({ type: 'failed', batchId: m.batchId, count: m.records.length, message: (err as Error).message });
      }
      scheduleIndexing();
      try {
        maybeAnalyze();
      } catch (err) {
        send({ type: 'warning', message: `history ANALYZE failed: ${(err as Error).message}` });
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
        while (indexer.indexNext(4 * config.ftsChunkRows) > 0);
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
      if (indexing !== null) clearImmediate(indexing);
      try {
        db.pragma('wal_checkpoint(PASSIVE)');
      } finally {
        db.close();
        send({ type: 'closed' });
        port.close();
      }
      break;
  }
});

send({ type: 'ready' });
