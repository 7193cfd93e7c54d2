/**
 * One FTS5 expression's matches for the seq ranges of one search's windows,
 * which move down the index: what was read for one window is kept for the
 * next, so the index is walked once per search, not once per window.
 *
 * Why it matters: FTS5 does not seek to a rowid bound. `rowid <= ?` with
 * `ORDER BY rowid DESC` starts at the newest match and skips down to the
 * bound, at ~0.1 µs per row skipped for a word most rows contain (`rowid >= ?`
 * is no better: it starts at the oldest). Every new query on a deep page pays
 * that skip again, so each read goes on past its range, about half as far
 * as the next read would have to skip.
 *
 * Matches are read one by one at first, which stops exactly at a range's
 * bottom (a rare word: a few matches); once a word proves common, in chunks
 * aggregated by SQLite (~0.25 µs a match instead of ~0.6 µs crossing into
 * JavaScript for each), sized from the density so far.
 */
import type { Statement } from 'better-sqlite3';

/** Matches read one at a time before a range is read in chunks. */
const FIRST_MATCHES = 256;

const NEWEST_FIRST = 'SELECT rowid FROM exchanges_fts WHERE exchanges_fts MATCH ? AND rowid <= ? ORDER BY rowid DESC';

export class FtsMatchReader {
  /** Matches read so far, newest first: every match in [bottom, top] (nothing read while bottom > top). */
  private seqs: number[] = [];
  private top = 0;
  private bottom = 1;

  /**
   * @param newest the largest seq the index may hold: how far a read starting
   *   lower skips first, which decides how far ahead to read.
   * @param readAhead whether windows are expected to go on down (a common
   *   negated word): reading ahead is wasted where they stop.
   */
  constructor(
    private readonly prepare: (sql: string) => Statement<unknown[]>,
    private readonly match: string,
    private readonly newest: number,
    private readonly readAhead: boolean,
  ) {}

  /** The matches with `lo` ≤ seq ≤ `hi`, newest first. */
  between(lo: number, hi: number): number[] {
    if (this.bottom > this.top) {
      const read = this.read(hi, lo);
      this.seqs = read.seqs;
      this.top = hi;
      this.bottom = read.bottom;
    }
    // A row that ran long commits late: its window may reach above what was read.
    if (hi > this.top) {
      const top = this.top;
      this.seqs = this.read(hi, top + 1).seqs.filter((s) => s > top).concat(this.seqs);
      this.top = hi;
    }
    if (lo < this.bottom) {
      const read = this.read(this.bottom - 1, lo);
      this.seqs = this.seqs.concat(read.seqs);
      this.bottom = read.bottom;
    }
    // Descending: from the first seq <= hi to before the first seq < lo.
    return this.seqs.slice(firstIndex(this.seqs, (v) => v <= hi), firstIndex(this.seqs, (v) => v < lo));
  }

  /** Every match from `from` down to `bottom` (≤ `to`; 0 when none are left), newest first. */
  private read(from: number, to: number): { seqs: number[]; bottom: number } {
    const seqs: number[] = [];
    const start = from;
    const known = this.bottom > this.top ? 0 : this.seqs.length / (this.top - this.bottom + 1);
    if (known * (from - to + 1) < FIRST_MATCHES) {
      // Rare as far as we know: one by one, stopping at the first match below `to`.
      for (const seq of this.prepare(NEWEST_FIRST).pluck().iterate(this.match, from) as IterableIterator<number>) {
        seqs.push(seq);
        if (seq < to) return { seqs, bottom: seq };
        if (seqs.length === FIRST_MATCHES) break;
      }
      if (seqs.length < FIRST_MATCHES) return { seqs, bottom: 0 };
      from = seqs[seqs.length - 1] - 1;
    }
    const chunk = this.prepare(`SELECT json_group_array(rowid) FROM (${NEWEST_FIRST} LIMIT ?)`).pluck();
    for (;;) {
      const density = seqs.length > 0 ? seqs.length / (start - from) : known;
      // Ahead of the range: the next window reads on from here instead of skipping down from the top again.
      // Reading a match costs about twice what skipping one does: at least half as far as a new read would skip.
      const span = this.readAhead ? Math.max(2 * (from - to + 1), (this.newest - from) / 2) : 1.1 * (from - to + 1);
      const want = Math.ceil(density * span) + 64;
      const got = JSON.parse(chunk.get(this.match, from, want) as string) as number[];
      if (!isDescending(got)) got.sort((a, b) => b - a);
      for (const seq of got) seqs.push(seq);
      if (got.length < want) return { seqs, bottom: 0 };
      const last = got[got.length - 1];
      if (last < to) return { seqs, bottom: last };
      from = last - 1;
    }
  }
}

/** The seqs from `lo` to `hi` that are not in `seqs` (all within that range). */
export function seqsOutside(seqs: readonly number[], lo: number, hi: number): number[] {
  const taken = new Uint8Array(hi - lo + 1);
  for (const s of seqs) taken[s - lo] = 1;
  const out: number[] = [];
  for (let i = taken.length - 1; i >= 0; i--) if (taken[i] === 0) out.push(lo + i);
  return out;
}

/** The first index whose value satisfies `pred`, in an array where it holds from some index on. */
function firstIndex(values: readonly number[], pred: (v: number) => boolean): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(values[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function isDescending(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] >= values[i - 1]) return false;
  return true;
}
