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
  const oldest = db.prepare('SELECT seq, bytes, started_at FROM exchanges ORDER BY started_at, id LIMIT ?');
  const deleteChunk = db.transaction((seqs: number[]) => deleter.bySeq(seqs));
  let deleted = 0;

  /** Deletes up to one chunk of the oldest rows, as many as `pick` selects. */
  const step = (pick: (rows: { seq: number; bytes: number; started_at: number }[]) => number[]): boolean => {
    if (chunksLeft <= 0) return false;
    const seqs = pick(oldest.all(chunkSize) as { seq: number; bytes: number; started_at: number }[]);
    if (seqs.length === 0) return false;
    chunksLeft--;
    deleted += deleteChunk.immediate(seqs);
    return true;
  };

  if (limits.maxAgeMs !== undefined) {
    const cutoff = now - limits.maxAgeMs;
    while (step((rows) => rows.filter((r) => r.started_at < cutoff).map((r) => r.seq)));
  }
  if (limits.maxRows !== undefined) {
    const max = Math.max(0, limits.maxRows);
    while (
      step((rows) => {
        const excess = (totals.get() as { rows: number }).rows - max;
        return excess <= 0 ? [] : rows.slice(0, excess).map((r) => r.seq);
      })
    );
  }
  if (limits.maxBytes !== undefined) {
    const max = Math.max(0, limits.maxBytes);
    while (
      step((rows) => {
        let excess = (totals.get() as { bytes: number }).bytes - max;
        const seqs: number[] = [];
        for (const r of rows) {
          if (excess <= 0) break;
          seqs.push(r.seq);
          excess -= r.bytes;
        }
        return seqs;
      })
    );
  }
  const reclaimedPages = deleted > 0 ? reclaimFreePages(db, options.vacuumMinFreePages ?? 256) : 0;
  return { deleted, reclaimedPages, more: chunksLeft <= 0 };
}
