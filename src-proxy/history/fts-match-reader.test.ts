import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FtsMatchReader } from './fts-match-reader.js';

let db: Database.Database;
afterEach(() => db?.close());

let seed = 5;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed % n;
}

/** The history schema's FTS table with `rows` rows (some seqs missing, as after deletes) and which words each holds. */
function index(rows: number): Map<number, Set<string>> {
  db = new Database(':memory:');
  db.exec(`CREATE VIRTUAL TABLE exchanges_fts USING fts5(url, headers, body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2')`);
  const insert = db.prepare('INSERT INTO exchanges_fts(rowid, url, headers, body) VALUES (?, ?, ?, ?)');
  const words = new Map<number, Set<string>>();
  db.transaction(() => {
    for (let seq = 1; seq <= rows; seq++) {
      if (seq % 500 < 40) continue; // a deleted stretch every 500 seqs
      const w = new Set<string>();
      if (rand(100) < 95) w.add('common');
      if (rand(100) < 40) w.add('half');
      if (rand(1000) < 3) w.add('rare');
      words.set(seq, w);
      insert.run(seq, `/x/${seq}`, '', [...w].join(' '));
    }
  })();
  return words;
}

function expected(words: Map<number, Set<string>>, word: string, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let s = hi; s >= lo; s--) if (words.get(s)?.has(word)) out.push(s);
  return out;
}

/** A reader that records the SQL of each query it runs. */
function reader(match: string, newest: number, readAhead = true): { reader: FtsMatchReader; queries: string[] } {
  const queries: string[] = [];
  const r = new FtsMatchReader(
    (sql) => {
      queries.push(sql);
      return db.prepare(sql);
    },
    match,
    newest,
    readAhead,
  );
  return { reader: r, queries };
}

describe('FtsMatchReader', () => {
  it('gives exactly the matches of each range as windows move down, overlap and reach above what was read', () => {
    const rows = 30_000;
    const words = index(rows);
    for (const [word, readAhead] of [['common', true], ['common', false], ['half', true], ['half', false], ['rare', true], ['absent', false]] as const) {
      const { reader: r } = reader(word, rows, readAhead);
      // Windows like a search's: growing, each just below the last, some reaching back above it (late commits).
      let hi = rows;
      let size = 200;
      while (hi > 0) {
        const lo = Math.max(1, hi - size + 1);
        expect(r.between(lo, hi), `${word} [${lo}, ${hi}]`).toEqual(expected(words, word, lo, hi));
        const above = Math.min(rows, hi + rand(300));
        expect(r.between(lo, above), `${word} [${lo}, ${above}]`).toEqual(expected(words, word, lo, above));
        hi = lo - 1;
        size = Math.ceil(size * 1.7);
      }
    }
    // A range wholly above everything read so far, the top of the first one a match itself.
    const { reader: r } = reader('half', rows);
    const top = expected(words, 'half', 1000, 2100)[0];
    expect(r.between(1000, top)).toEqual(expected(words, 'half', 1000, top));
    expect(r.between(25_000, 26_000)).toEqual(expected(words, 'half', 25_000, 26_000));
    expect(r.between(500, 27_000)).toEqual(expected(words, 'half', 500, 27_000));
  });

  it('reads a rare word one match at a time, and a common one in few chunks that run ahead of the windows', () => {
    const rows = 30_000;
    index(rows);
    const rare = reader('rare', rows);
    rare.reader.between(rows - 2000, rows);
    expect(rare.queries.some((q) => q.includes('json_group_array'))).toBe(false);

    const common = reader('common', rows);
    let hi = rows;
    let windows = 0;
    for (const size of [2000, 2000, 2000, 2000, 2000, 2000, 2000, 2000]) {
      common.reader.between(hi - size + 1, hi);
      hi -= size;
      windows++;
    }
    // Each read from the top skips every match above its start: reading ahead makes it one read for several windows.
    expect(common.queries.filter((q) => q.includes('json_group_array')).length).toBeGreaterThan(0);
    expect(common.queries.length).toBeLessThan(windows);
  });
});
