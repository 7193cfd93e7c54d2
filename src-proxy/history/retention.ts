/**
 * Retention: by age, row count and total stored bytes, oldest first, in
 * chunks of one transaction each so a large cleanup never holds the write
 * lock for long. The writer worker runs it between batches; it is never on
 * the request path. Afterwards freed pages go back to the file system
 * (auto_vacuum=INCREMENTAL), so the file stays bounded.
 */
import type { HistoryDatabase } from './database.js';
import type { RetentionLimits } from './types.js';
import { deleterFor, reclaimFreePages } from './delete-exchanges.js';

export interface RetentionOptions {
  /** Clock for age limits. */
  now?: number;
  /** Exchanges deleted per transaction. */
  chunkSize?: number;
  /** Stop after this many chunks (the rest waits for the next run). */
  maxChunks?: number;
  /** Run incremental vacuum when at least this many pages are free. */
  vacuumMinFreePages?: number;
}

export interface RetentionResult {
  deleted: number;
  /** Free pages handed back by incremental vacuum. */
  reclaimedPages: number;
  /** More is left to delete (maxChunks was reached). */
  more: boolean;
}

export function hasRetentionLimits(limits: RetentionLimits | undefined): boolean {
  return limits !== undefined && (limits.maxRows !== undefined || limits.maxBytes !== undefined || limits.maxAgeMs !== undefined);
}

export function applyRetention(db: HistoryDatabase, limits: RetentionLimits, options: RetentionOptions = {}): RetentionResult {
  const now = options.now ?? Date.now();
  const chunkSize = Math.max(1, options.chunkSize ?? 2000);
  let chunksLeft = options.maxChunks ?? Number.POSITIVE_INFINITY;
  const deleter = deleterFor(db);
  const totals = db.prepare('SELECT rows, bytes FROM history_state WHERE id = 1');
  const oldest = db.prepare('SELECT seq, bytes FROM exchanges ORDER BY started_at, id LIMIT ?');
  // Age counts from when an exchange entered history: a live one's start, an imported one's
  // import (its started_at is the HAR's, often older than maxAge). The live walk skips imported
  // rows that are not yet due, which costs a row read each; imports are rarely that many.
  const expiredLive = db
    .prepare('SELECT seq FROM exchanges WHERE started_at < ? AND imported_at IS NULL ORDER BY started_at, id LIMIT ?')
    .pluck();
  const expiredImported = db.prepare('SELECT seq FROM exchanges WHERE imported_at < ? ORDER BY imported_at LIMIT ?').pluck();
  const deleteChunk = db.transaction((seqs: number[]) => deleter.bySeq(seqs));
  let deleted = 0;

  /**
   * Deletes chunks of the oldest rows while `next` picks any. Retention runs
   * after every batch and usually finds nothing to do, so each limit first
   * checks the totals (or asks the time index for expired rows only) before
   * reading rows.
   */
  const deleteWhile = (next: () => number[]): void => {
    while (chunksLeft > 0) {
      const seqs = next();
      if (seqs.length === 0) return;
      chunksLeft--;
      deleted += deleteChunk.immediate(seqs);
    }
  };
  const state = () => totals.get() as { rows: number; bytes: number };
  const oldestRows = (n: number) => oldest.all(n) as { seq: number; bytes: number }[];

  if (limits.maxAgeMs !== undefined) {
    const cutoff = now - limits.maxAgeMs;
    deleteWhile(() => expiredImported.all(cutoff, chunkSize) as number[]);
    deleteWhile(() => expiredLive.all(cutoff, chunkSize) as number[]);
  }
  if (limits.maxRows !== undefined) {
    const max = Math.max(0, limits.maxRows);
    deleteWhile(() => {
      const excess = state().rows - max;
      return excess <= 0 ? [] : oldestRows(Math.min(excess, chunkSize)).map((r) => r.seq);
    });
  }
  if (limits.maxBytes !== undefined) {
    const max = Math.max(0, limits.maxBytes);
    deleteWhile(() => {
      let excess = state().bytes - max;
      const seqs: number[] = [];
      if (excess <= 0) return seqs;
      for (const r of oldestRows(chunkSize)) {
        if (excess <= 0) break;
        seqs.push(r.seq);
        excess -= r.bytes;
      }
      return seqs;
    });
  }
  const reclaimedPages = deleted > 0 ? reclaimFreePages(db, options.vacuumMinFreePages ?? 256) : 0;
  return { deleted, reclaimedPages, more: chunksLeft <= 0 };
}
