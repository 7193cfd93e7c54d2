/** Public types of the history store (shared by the writer, the store and callers). */
import type { CapturedExchange } from '../capture/captured-exchange.js';

/**
 * A stored exchange as `HistoryStore.get` returns it: the captured record plus
 * what the store itself knows about it. `bodiesDropped` is true when the writer
 * shed the body bytes because the disk could not keep up (sizes, content types
 * and truncation flags are still there; `bytes` are null).
 */
export interface StoredExchange extends CapturedExchange {
  bodiesDropped: boolean;
}

/** One row of a search result: the metadata columns, no headers or bodies. */
export interface ExchangeSummary {
  id: string;
  requestId: string;
  startedAt: number;
  method: string;
  scheme: string;
  host: string;
  /** Path without the query string. */
  path: string;
  /** Path and query as the client sent them. */
  url: string;
  status: number;
  route: string | null;
  upstream: string | null;
  target: string | null;
  client: string;
  listener: string;
  duration: number;
  reqSize: number;
  resSize: number;
  cacheStatus: string | null;
  errorCode: string | null;
  attempts: number;
  source: CapturedExchange['source'];
  replayOf: string | null;
  aborted: boolean;
  /** Either body was cut at the capture cap. */
  truncated: boolean;
  bodiesDropped: boolean;
  /** WebSocket message count; null when the exchange was not an upgrade. */
  wsMessages: number | null;
  /** Approximate bytes this exchange occupies in the database. */
  bytes: number;
}

export interface SearchPage {
  items: ExchangeSummary[];
  /** Opaque; pass back as `cursor` for the next (older) page. Null on the last page. */
  nextCursor: string | null;
  /** Only when `withTotal` was asked for (a count over the whole match). */
  total?: number;
}

export interface RetentionLimits {
  /** Keep at most this many exchanges. */
  maxRows?: number;
  /** Keep the approximate stored bytes (sum of the `bytes` column) under this. */
  maxBytes?: number;
  /** Delete exchanges that started longer ago than this; imported ones count from their import. */
  maxAgeMs?: number;
}

export interface HistoryStoreStats {
  rows: number;
  /** Sum of the per-exchange approximate stored bytes. */
  bytes: number;
  /** history.db plus its -wal file, in bytes. */
  fileSize: number;
  /** Pages on the freelist (reclaimable by incremental vacuum). */
  freePages: number;
  pageSize: number;
  /** Rows committed but not yet in the FTS index (free text does not find them yet). */
  unindexed: number;
}

export interface WriterStats {
  /** Records accepted by `enqueue` (with or without their bodies). */
  enqueued: number;
  /** Records committed to the database (duplicates by id count as written). */
  written: number;
  /** Records accepted without their body bytes because the queue was over its soft limit. */
  droppedBodies: number;
  /** Records rejected outright (queue past its hard limit, writer closed or failed). */
  droppedRecords: number;
  /** Records lost because their batch failed to commit (see `lastError`). */
  failedRecords: number;
  /** Batches handed to the worker and not yet acknowledged. */
  pendingBatches: number;
  /** Records waiting on the main thread for the next batch. */
  queuedRecords: number;
  /** Bytes held by the queue plus batches in flight. */
  queuedBytes: number;
  /** Exchanges removed by the worker's retention runs. */
  retentionDeleted: number;
  lastError: string | null;
}
