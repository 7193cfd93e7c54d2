import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FtsPrefixTerms, segments } from './fts-prefix-terms.js';

let db: Database.Database;
afterEach(() => db?.close());

/** The history schema's FTS table, with tiny pages so a few hundred rows make many pages, keys and segments. */
function ftsTable(): Database.Database {
  db = new Database(':memory:');
  db.exec(`
    CREATE VIRTUAL TABLE f USING fts5(url, headers, body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
    INSERT INTO f(f, rank) VALUES ('pgsz', 64);
    INSERT INTO f(f, rank) VALUES ('automerge', 0);
    INSERT INTO f(f, rank) VALUES ('crisismerge', 64);
  `);
  return db;
}

let seed = 11;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed % n;
}

// Shared prefixes, case, digits, diacritics FTS5 folds away (ínvoice → invoice), words it keeps
// non-ASCII (invö… → invo…, straße), and words longer than a page.
const VOCAB = [
  'in', 'inv', 'invoice', 'Invoices', 'invoice7', 'invoice70', 'invoiced', 'ínvoice', 'invöke', 'inward', 'ink',
  'a', 'ab', 'abc', 'zeta', 'z9', '9z', 'straße', 'x'.repeat(150), `invo${'long'.repeat(40)}`, 'timeout', 'time',
];

function sentence(): string {
  return Array.from({ length: 1 + rand(6) }, () => VOCAB[rand(VOCAB.length)] + (rand(4) === 0 ? String(rand(300)) : '')).join(' ');
}

function vocab(lo: string, hi: string): string[] {
  db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.v USING fts5vocab(main, 'f', 'row')");
  return (db.prepare('SELECT term FROM temp.v WHERE term >= ? AND term < ?').pluck().all(lo, hi) as string[]).sort();
}

const PREFIXES = ['i', 'in', 'inv', 'invo', 'invoice', 'invoice7', 'INVO', 'a', 'ab', 'abc', 'abcd', 'z', 'x', 'xx', 'str', 't', 'time', '9', '1', 'q'];
const upper = (p: string): string => p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);

function expectListsEqualVocab(terms: FtsPrefixTerms): void {
  for (const p of PREFIXES) {
    const lower = p.toLowerCase();
    expect(terms.list(p, Number.POSITIVE_INFINITY), p).toEqual(vocab(lower, upper(lower)));
  }
}

/** The rows an expression matches, newest first. */
function matches(match: string): number[] {
  return db.prepare('SELECT rowid FROM f WHERE f MATCH ? ORDER BY rowid DESC').pluck().all(match) as number[];
}

describe('FtsPrefixTerms', () => {
  it("lists exactly the index's terms with a prefix, over many segments, pages and an interrupted merge", () => {
    ftsTable();
    const insert = db.prepare('INSERT INTO f(rowid, url, headers, body) VALUES (?, ?, ?, ?)');
    const terms = new FtsPrefixTerms(db, 'f');
    let rowid = 0;
    // One segment per transaction.
    for (let batch = 0; batch < 30; batch++) {
      db.transaction(() => {
        for (let i = 0; i < 20; i++) insert.run(++rowid, `/p/${sentence()}`, sentence(), sentence());
      })();
    }
    const structure = () => segments(db.prepare('SELECT block FROM f_data WHERE id = 10').pluck().get() as Buffer);
    expect(structure().length).toBe(30);
    expectListsEqualVocab(terms);

    // Incremental merges leave input segments trimmed (their first page rewritten, old keys stale).
    let trimmed = 0;
    for (let step = 0; step < 6; step++) {
      db.prepare("INSERT INTO f(f, rank) VALUES ('merge', 7)").run();
      if (structure().some((s) => s.first > 1)) trimmed++;
      expectListsEqualVocab(terms);
    }
    expect(trimmed).toBeGreaterThan(0);

    // Deleted rows leave their terms in the segments (tombstones), even merged: listed, but they match nothing.
    const del = db.prepare('DELETE FROM f WHERE rowid = ?');
    for (let r = 1; r <= rowid; r += 3) del.run(r);
    const expectListsCoverVocab = (): void => {
      for (const p of PREFIXES) {
        const listed = terms.list(p, Number.POSITIVE_INFINITY)!;
        const live = vocab(p.toLowerCase(), upper(p.toLowerCase()));
        expect(listed, p).toEqual(expect.arrayContaining(live));
        for (const extra of listed.filter((t) => !live.includes(t))) expect(matches(`"${extra}"`), extra).toEqual([]);
      }
    };
    expectListsCoverVocab();

    // The point of it all: the OR of the words matches what FTS5's prefix query matches.
    db.prepare("INSERT INTO f(f, rank) VALUES ('merge', 5)").run();
    for (const p of PREFIXES) {
      const words = terms.list(p, Number.POSITIVE_INFINITY)!;
      const expected = matches(`"${p}"*`);
      expect(words.length === 0 ? [] : matches(words.map((w) => `"${w}"`).join(' OR ')), p).toEqual(expected);
      expect(matches(`{headers} : "${p}"*`)).toEqual(words.length === 0 ? [] : matches(`{headers} : (${words.map((w) => `"${w}"`).join(' OR ')})`));
    }

    // Fully merged into one segment.
    db.prepare("INSERT INTO f(f) VALUES ('optimize')").run();
    expect(structure()).toHaveLength(1);
    expectListsCoverVocab();
  });

  it('gives null for prefixes it does not handle and for too many words, [] for an empty index', () => {
    ftsTable();
    const terms = new FtsPrefixTerms(db, 'f');
    expect(terms.list('inv', 10)).toEqual([]);
    const insert = db.prepare('INSERT INTO f(rowid, url, headers, body) VALUES (?, ?, ?, ?)');
    for (let i = 1; i <= 30; i++) insert.run(i, `/w${i}`, '', `word${i} ínvoice`);
    expect(terms.list('word', 100)).toHaveLength(30);
    expect(terms.list('word', 29)).toBeNull();
    expect(terms.list('word1', 29)).toEqual(['word1', 'word10', 'word11', 'word12', 'word13', 'word14', 'word15', 'word16', 'word17', 'word18', 'word19']);
    // Anything but ASCII letters and digits is left to FTS5 (its folding and separators are its own).
    for (const p of ['', 'ínv', 'a/b', 'a b', 'a-b', 'a_b']) expect(terms.list(p, 100), p).toBeNull();
    // A folded word is found by its ASCII prefix.
    expect(terms.list('inv', 100)).toEqual(['invoice']);
  });

  it('gives null, never a wrong list, when the index does not read as expected', () => {
    ftsTable();
    const insert = db.prepare('INSERT INTO f(rowid, url, headers, body) VALUES (?, ?, ?, ?)');
    for (let i = 1; i <= 50; i++) insert.run(i, '/', '', sentence());
    const terms = new FtsPrefixTerms(db, 'f');
    expect(terms.list('inv', 100)).not.toBeNull();
    const structure = db.prepare('SELECT block FROM f_data WHERE id = 10').pluck().get() as Buffer;
    db.unsafeMode(true); // shadow tables are read-only otherwise
    const setStructure = db.prepare('UPDATE f_data SET block = ? WHERE id = 10');
    // Cut short: a varint runs past the end.
    setStructure.run(structure.subarray(0, 9));
    expect(terms.list('inv', 100)).toBeNull();
    // Names a segment whose pages are not there.
    setStructure.run(structure);
    db.prepare('DELETE FROM f_data WHERE id > 10').run();
    expect(terms.list('inv', 100)).toBeNull();
  });
});
