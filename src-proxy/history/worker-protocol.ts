/** Messages between `HistoryWriter` (main thread) and `history-worker` (its own SQLite connection). */
import type { BatchMessage } from './batch-codec.js';
import type { RetentionLimits } from './types.js';

export interface WorkerConfig {
  file: string;
  busyTimeoutMs: number;
  retention?: RetentionLimits;
  /** Minimum time between retention runs triggered by batches; also the idle timer. */
  retentionIntervalMs: number;
  retentionChunkSize: number;
  /** Rows the FTS indexer handles per transaction between batches. */
  ftsChunkRows: number;
  /** WAL checkpoints (`wal-checkpoints.ts`): when one starts, the WAL size past which the writer checkpoints itself, and whether they run on their own thread. */
  checkpointStartBytes: number;
  maxWalBytes: number;
  checkpointThread: boolean;
}

export type ToWorker =
  | BatchMessage
  /** Run retention now; answered by a `retention` message with the same requestId. */
  | { type: 'retention'; requestId: number }
  /** Index everything committed so far; answered by `indexed` with the same requestId. */
  | { type: 'index'; requestId: number }
  /** Test hook: block the worker thread for `ms` (simulates a stalled disk). */
  | { type: 'stall'; ms: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'written'; batchId: number; count: number; inserted: number; duplicates: number }
  | { type: 'failed'; batchId: number; count: number; message: string }
  /** requestId 0 for runs the worker started itself. */
  | { type: 'retention'; requestId: number; deleted: number; reclaimedPages: number }
  | { type: 'indexed'; requestId: number }
  | { type: 'warning'; message: string }
  | { type: 'fatal'; message: string }
  | { type: 'closed' };
