import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { HistoryStore } from '../../src-proxy/history/history-store.js';
import { directInserter, ftsIntegrityCheck } from './direct-insert.js';
import { BASE_TIME, idFor, makeExchange, tempDir, textBody } from './fixtures.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});
function openStore(): HistoryStore {
  const t = tempDir();
  const store = HistoryStore.open(join(t.dir, 'history.db'));
  cleanups.push(t.cleanup, () => store.close());
  return store;
}

/** Deterministic shuffle, so insertion (seq) order differs from time order. */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  let seed = 7;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function walk(store: HistoryStore, query: string, limit: number): string[] {
  const out: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = store.search({ query, limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== null && pages < 10_000);
  return out;
}

describe('history store', () => {
  it('pages through thousands of rows newest first without duplicates or gaps', () => {
    const store = openStore();
    // 3000 rows, 7 per millisecond (ties broken by id), inserted out of order.
    const records: CapturedExchange[] = [];
    for (let n = 0; n < 3000; n++) {
      records.push(
        makeExchange(n, {
          startedAt: BASE_TIME + Math.floor(n / 7),
          method: n % 3 === 0 ? 'POST' : 'GET',
          responseBody: textBody(n % 5 === 0 ? `{"tag":"needle ${n}"}` : `{"n":${n}}`),
        }),
      );
    }
    directInserter(store.db)(shuffled(records));
    const expected = (pred: (r: CapturedExchange) => boolean): string[] =>
      records
        .filter(pred)
        .sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1))
        .map((r) => r.id);

    const all = walk(store, '', 97);
    expect(all).toHaveLength(3000);
    expect(new Set(all).size).toBe(3000);
    expect(all).toEqual(expected(() => true));
    expect(walk(store, 'method:POST', 50)).toEqual(expected((r) => r.method === 'POST'));
    expect(walk(store, 'needle', 33)).toEqual(expected((_r) => Number(_r.requestId.slice(4)) % 5 === 0));
    expect(walk(store, '', 1000)).toEqual(all);
    expect(store.count()).toBe(3000);
    expect(store.count('method:POST')).toBe(1000);
  });

  it('gives the same exact pages whichever plan runs (time window, planner, FTS join)', () => {
    const store = openStore();
    const records: CapturedExchange[] = [];
    for (let n = 0; n < 3000; n++) {
      const words = [
        n % 2 === 0 ? 'common' : 'other',
        n % 400 === 0 ? 'rare' : '',
        n % 5 === 0 ? 'needle' : '',
        // Words sharing a prefix: `parc*` is searched as the OR of the words the index holds.
        n % 3 === 1 ? 'parcel' : '',
        n % 7 === 0 ? 'Parcels' : '',
        n % 13 === 0 ? 'parcelling' : '',
        // In every row but the oldest: negating it leaves matches only far below the newest rows.
        n >= 300 ? 'fresh' : '',
        // In all but every 97th row: negating it leaves a few matches spread through the table, found
        // by walking windows of growing size over the rows the word is not in.
        n % 97 === 0 ? '' : 'bulk',
      ].join(' ');
      records.push(
        makeExchange(n, {
          startedAt: BASE_TIME + Math.floor(n / 7),
          method: n % 3 === 0 ? 'POST' : 'GET',
          // 5xx only among the oldest rows: the newest-rows window finds none of them.
          status: n < 300 ? 500 : n % 50 === 0 ? 404 : 200,
          responseBody: textBody(JSON.stringify({ n, words })),
        }),
      );
    }
    directInserter(store.db)(shuffled(records));
    const file = store.db.name;
    const tiny = HistoryStore.open(file, { newestWindowRows: 37, rareTermRows: 10 });
    const mid = HistoryStore.open(file, { newestWindowRows: 400 });
    const huge = HistoryStore.open(file, { newestWindowRows: 1_000_000, rareTermRows: 1_000_000 });
    cleanups.push(() => tiny.close(), () => mid.close(), () => huge.close());
    const has = (r: CapturedExchange, w: string): boolean => new TextDecoder().decode(r.responseBody.bytes!).includes(w);
    const word = (r: CapturedExchange, w: RegExp): boolean => w.test(new TextDecoder().decode(r.responseBody.bytes!));
    const parc = /\b[pP]arc/;
    const cases: [string, (r: CapturedExchange) => boolean][] = [
      ['status:5xx', (r) => r.status === 500],
      ['status:404', (r) => r.status === 404],
      ['method:POST', (r) => r.method === 'POST'],
      ['common', (r) => has(r, 'common')],
      ['rare', (r) => has(r, 'rare')],
      ['-common', (r) => !has(r, 'common')],
      ['common method:POST', (r) => has(r, 'common') && r.method === 'POST'],
      ['-common status:5xx', (r) => !has(r, 'common') && r.status === 500],
      ['needle -common', (r) => has(r, 'needle') && !has(r, 'common')],
      ['status:5xx common', (r) => r.status === 500 && has(r, 'common')],
      ['rare status:404', (r) => has(r, 'rare') && r.status === 404],
      ['common -needle', (r) => has(r, 'common') && !has(r, 'needle')],
      ['rare -common', (r) => has(r, 'rare') && !has(r, 'common')],
      ['comm* -needle method:POST', (r) => has(r, 'common') && !has(r, 'needle') && r.method === 'POST'],
      ['-comm* -needle', (r) => !has(r, 'common') && !has(r, 'needle')],
      ['parc*', (r) => word(r, parc)],
      ['PARCEL* -parcels', (r) => word(r, parc) && !word(r, /Parcels/)],
      ['-parc* common', (r) => !word(r, parc) && has(r, 'common')],
      ['parc* status:5xx -rare', (r) => word(r, parc) && r.status === 500 && !has(r, 'rare')],
      ['parcell* method:POST', (r) => word(r, /parcelling/) && r.method === 'POST'],
      ['zzq*', () => false],
      ['-fresh -needle', (r) => !has(r, 'fresh') && !has(r, 'needle')],
      ['-common -other', () => false],
      ['-fresh common', (r) => !has(r, 'fresh') && has(r, 'common')],
      ['-fresh -parc* status:5xx', (r) => !has(r, 'fresh') && !word(r, parc) && r.status === 500],
      ['-bulk', (r) => !has(r, 'bulk')],
      ['-bulk -needle', (r) => !has(r, 'bulk') && !has(r, 'needle')],
      ['-bulk method:POST', (r) => !has(r, 'bulk') && r.method === 'POST'],
      ['-bulk -fresh', (r) => !has(r, 'bulk') && !has(r, 'fresh')],
      ['-bulk status:404', (r) => !has(r, 'bulk') && r.status === 404],
    ];
    for (const [query, pred] of cases) {
      const want = records
        .filter(pred)
        .sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1))
        .map((r) => r.id);
      for (const s of [store, tiny, mid, huge]) {
        expect(walk(s, query, 29), `${query}`).toEqual(want);
        expect(s.count(query), `count ${query}`).toBe(want.length);
        expect(s.search({ query, limit: 5, withTotal: true }).total).toBe(want.length);
      }
    }
  });

  it('keeps pages stable while newer rows arrive', () => {
    const store = openStore();
    const insert = directInserter(store.db);
    insert(Array.from({ length: 200 }, (_, n) => makeExchange(n)));
    const first = store.search({ limit: 50 });
    insert(Array.from({ length: 100 }, (_, n) => makeExchange(1000 + n)));
    const seen = first.items.map((i) => i.id);
    let cursor = first.nextCursor;
    while (cursor !== null) {
      const page = store.search({ limit: 50, cursor });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(Array.from({ length: 200 }, (_, n) => idFor(199 - n)));
  });

  it('deletes by ids and by query, keeping totals and the FTS index consistent', () => {
    const store = openStore();
    directInserter(store.db)(
      Array.from({ length: 100 }, (_, n) => makeExchange(n, { status: n % 2 === 0 ? 200 : 500, responseBody: textBody(`{"word":"w${n}"}`) })),
    );
    const before = store.stats();
    expect(before.rows).toBe(100);

    expect(store.delete([idFor(1), idFor(2), 'missing'])).toBe(2);
    expect(store.get(idFor(1))).toBeNull();
    expect(store.count('w1')).toBe(0);
    expect(store.count('w1*')).toBe(10); // prefix: w10…w19 remain
    expect(store.count('"w3"')).toBe(1);

    expect(store.delete({ query: 'status:5xx' })).toBe(49);
    expect(store.count('status:5xx')).toBe(0);
    expect(store.count()).toBe(49);
    const after = store.stats();
    expect(after.rows).toBe(49);
    expect(after.bytes).toBeLessThan(before.bytes);
    expect(after.bytes).toBe(store.db.prepare('SELECT sum(bytes) FROM exchanges').pluck().get());
    expect(store.db.prepare('SELECT count(*) FROM bodies').pluck().get()).toBe(49);
    ftsIntegrityCheck(store.db);

    expect(store.clear()).toBe(49);
    expect(store.count()).toBe(0);
    expect(store.stats()).toMatchObject({ rows: 0, bytes: 0, unindexed: 0 });
    expect(store.count('w4')).toBe(0);
    ftsIntegrityCheck(store.db);

    // New rows after a clear are indexed and found again.
    directInserter(store.db)([makeExchange(500, { responseBody: textBody('{"word":"again"}') })]);
    expect(store.count('again')).toBe(1);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('clear empties every table, shrinks the file, and leaves foreign keys enforced', () => {
    const store = openStore();
    const big = (n: number) => textBody(JSON.stringify({ n, pad: 'x'.repeat(8000) }));
    directInserter(store.db)(Array.from({ length: 600 }, (_, n) => makeExchange(n, { requestBody: big(n), responseBody: big(n) })));
    const pages = () => store.db.pragma('page_count', { simple: true }) as number;
    expect(pages()).toBeGreaterThan(2000);

    expect(store.clear()).toBe(600);
    for (const table of ['exchanges', 'bodies', 'ws_messages']) expect(store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()).toBe(0);
    expect(pages()).toBeLessThan(100);
    expect(store.db.pragma('freelist_count', { simple: true })).toBe(0);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    ftsIntegrityCheck(store.db);

    // Switched off for the clear only: a body without its exchange is still refused.
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() => store.db.prepare("INSERT INTO bodies (exchange_seq, kind, bytes, size, truncated) VALUES (999999, 'req', NULL, 0, 0)").run()).toThrow(/FOREIGN KEY/);
  });

  it('finds rows by free text only once the indexer has reached them', () => {
    const store = openStore();
    directInserter(store.db, { index: false })([makeExchange(1, { responseBody: textBody('{"late":"arrival"}') })]);
    expect(store.stats().unindexed).toBe(1);
    expect(store.count('arrival')).toBe(0);
    expect(store.count('status:200')).toBe(1);
    // Deleting a row the indexer has not reached leaves no FTS garbage behind.
    directInserter(store.db, { index: false })([makeExchange(2, { responseBody: textBody('{"late":"arrival"}') })]);
    expect(store.delete([idFor(2)])).toBe(1);
    directInserter(store.db)([]);
    expect(store.stats().unindexed).toBe(0);
    expect(store.count('arrival')).toBe(1);
    ftsIntegrityCheck(store.db);
  });
});
