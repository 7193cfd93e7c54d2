/**
 * The read side of history, on its own connection (WAL lets it read while the
 * writer worker commits): search with keyset pagination newest first, count,
 * get, delete, clear and stats. Usable on its own, e.g. by the CLI against the
 * data directory of a running engine.
 */
import { statSync } from 'node:fs';
import type { Statement } from 'better-sqlite3';
import type { PolicyDecision, WebSocketMessage } from '../capture/captured-exchange.js';
import type { TimingPhases } from '../events.js';
import type { TlsConnectionInfo } from '../tls/connection-info.js';
import { type HistoryDatabase, openHistoryDatabase } from './database.js';
import { deleterFor, reclaimFreePages } from './delete-exchanges.js';
import { decodeHeaders } from './header-text.js';
import { FtsMatchReader, seqsOutside } from './fts-match-reader.js';
import { FtsPrefixTerms } from './fts-prefix-terms.js';
import { parseQuery, type QueryAst } from './query-language.js';
import {
  combine,
  compileParts,
  foldNegatives,
  type CompiledQuery,
  type QueryParts,
  type SqlParam,
  type TextCondition,
  type TextMode,
} from './search-sql.js';
import type { HistoryStoreStats, SearchPage, StoredExchange } from './types.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor.js';
import { SUMMARY_COLUMNS, asBytes, toBody, toSummary, type BodyRow, type FullRow, type SummaryRow, type WsRow } from './stored-rows.js';

export { decodeCursor, encodeCursor, InvalidCursorError };

export type HistoryQuery = string | QueryAst;

export interface SearchOptions {
  query?: HistoryQuery;
  /** Page size, 1..1000 (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
  /** Also count every match (costs a scan over the matches). */
  withTotal?: boolean;
  /** Clock for relative times in the query. */
  now?: number;
}

export type DeleteTarget = readonly string[] | { query: HistoryQuery; now?: number };

export interface HistoryStoreOptions {
  busyTimeoutMs?: number;
  /** False when a HistoryWriter on the same file manages checkpoints (History does this). */
  autoCheckpoint?: boolean;
  /**
   * Free-text terms matching at most this many rows are joined by
   * materialising their matches; more common ones are probed row by row,
   * newest first. Default: about where the two cost the same for a page,
   * √(20 × page size × rows) (≈32,000 for 50 of 1,000,000 rows; measured: a
   * materialised match costs ~3 µs, a probe 20–200 µs).
   */
  rareTermRows?: number;
  /**
   * A filtered search first walks at most this many of the newest rows (below
   * the cursor) in time order; most pages fill there. Only if not does the
   * planner's own plan (an index on the filtered column, then a sort) run
   * over the older rows. Default 20,000.
   */
  newestWindowRows?: number;
}

/**
 * A prefix term matching more words than this is left to FTS5's own prefix
 * query: the OR of that many words costs about what FTS5's merge does (147
 * words: 10 ms to list, 15 ms for 2,000 rows newest first, on 1M rows).
 */
const MAX_PREFIX_WORDS = 200;

/**
 * Walking windows for a common negated word costs ~0.7 µs a row; the planner's plan lists the word's
 * matches over the whole index, ~0.2 µs a row: walking is cheaper up to this share of the rows.
 */
const COMPLEMENT_WALK_SHARE = 0.25;

export class HistoryStore {
  private readonly statements = new Map<string, Statement<unknown[]>>();
  private readonly prefixTerms: FtsPrefixTerms;

  private readonly rareTermRows: number | undefined;
  private readonly newestWindowRows: number;

  private constructor(
    readonly db: HistoryDatabase,
    private readonly file: string,
    options: HistoryStoreOptions,
  ) {
    this.rareTermRows = options.rareTermRows === undefined ? undefined : Math.max(0, Math.trunc(options.rareTermRows));
    this.newestWindowRows = Math.max(1, Math.trunc(options.newestWindowRows ?? 20_000));
    this.prefixTerms = new FtsPrefixTerms(db, 'exchanges_fts');
  }

  /** Opens (and creates or migrates) the database file. */
  static open(file: string, options: HistoryStoreOptions = {}): HistoryStore {
    // Planner statistics are kept by the writer worker (ANALYZE exchanges as it grows).
    return new HistoryStore(openHistoryDatabase(file, options), file, options);
  }

  private prepare(sql: string): Statement<unknown[]> {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      if (this.statements.size >= 200) this.statements.clear();
      stmt = this.db.prepare<unknown[]>(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private parts(query: HistoryQuery | undefined, now?: number): QueryParts {
    if (query === undefined || query === '') return { filters: { where: '1', params: [] }, text: [] };
    return compileParts(typeof query === 'string' ? parseQuery(query) : query, {
      now,
      prefixWords: (prefix) => this.prefixTerms.list(prefix, MAX_PREFIX_WORDS),
    });
  }

  /**
   * The whole query as one WHERE clause, joining free text the cheapest way:
   * - rare text (≤ rareTermRows matches, also after subtracting the negated
   *   terms) and prefix terms (as FTS5 prefixes or as the OR of their words)
   *   are materialised once (`seq IN (…)`), with negated terms folded into
   *   the same FTS5 expression;
   * - common text is probed per candidate row (`EXISTS …`), which finds a
   *   page among the newest rows after a few probes;
   * - negated terms on their own: rare → `NOT IN`, common → `NOT EXISTS`,
   *   unless `sparse`: the newest rows held less than a page of matches, so
   *   the scan is long, and a probe per row of it (~7 µs per term) costs far
   *   more than listing even a word in every row once (~0.3 µs a match):
   *   `-invoice -shipping`, 135 matches in 200,000 rows, 3 s → 0.1 s; with
   *   no positive word they are listed as one OR (`NOT (A OR B)`).
   * Prefix terms are never probed: FTS5 expands a prefix on every evaluation,
   * and an OR of words seeks each word.
   */
  private compile(parts: QueryParts, limit: number, sparse = false): CompiledQuery {
    if (parts.text.length === 0) return parts.filters;
    const rare = this.rareTermRows ?? Math.max(1000, Math.round(Math.sqrt(20 * limit * this.totalRows())));
    const isRare = (t: TextCondition): boolean => !t.probeable || this.ftsMatches(t.match, rare + 1) <= rare;
    const positive = parts.text.find((t) => !t.negated);
    const folded = foldNegatives(parts.text);
    // A common term minus another common one can still be rare ("invoice -shipping").
    const listOnce = positive === undefined ? sparse : isRare(positive) || (folded[0] !== positive && isRare(folded[0]));
    if (listOnce) return combine({ ...parts, text: folded }, ['in']);
    const modes = parts.text.map((t): TextMode => (t === positive ? 'probe' : sparse || isRare(t) ? 'in' : 'probe'));
    return combine(parts, modes);
  }

  private totalRows(): number {
    return (this.prepare('SELECT rows AS n FROM history_state WHERE id = 1').get() as { n: number }).n;
  }

  /** FTS matches of an expression, counting no further than `cap`. */
  private ftsMatches(match: string, cap: number): number {
    return (this.prepare('SELECT count(*) AS n FROM (SELECT rowid FROM exchanges_fts WHERE exchanges_fts MATCH ? LIMIT ?)').get(match, cap) as { n: number })
      .n;
  }

  /** Whether SQLite's own plan for this query yields rows in time order (no full sort before the LIMIT). */
  private streamsInTimeOrder(sql: string, params: SqlParam[]): boolean {
    const plan = this.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
    return !plan.some((p) => p.detail.includes('TEMP B-TREE FOR ORDER BY'));
  }

  /**
   * Newest first; throws QuerySyntaxError for a bad query, InvalidCursorError for a bad cursor.
   *
   * Plan: free text (without prefixes left to FTS5) is first looked for among the
   * newest rows below the cursor, in two windows (a tenth of
   * `newestWindowRows`, then all of it): FTS5 lists a term's matches newest
   * first lazily, so collecting those of a window costs what the window holds,
   * however common the term is overall ("invoice -shipping" on 1M rows: 140 ms
   * counting and joining the whole index, 7 ms in windows). A common negated
   * word with nothing positive (`-invoice -shipping`, 0.06% of 1M rows
   * match) keeps walking windows of growing size past that, over the seqs the
   * word is not in, while the rows left to walk are a small share of the
   * table: 260 → 80 ms.
   *
   * Otherwise, when SQLite's own plan streams rows in time order (the time
   * index, or an equality on an indexed column, whose index is ordered by time
   * within each value), it runs as is. When it would collect every match and
   * sort (a range such as status:5xx, free text joined by `IN`), the newest
   * `newestWindowRows` rows are walked first in time order, which fills the
   * page for anything not rare among recent traffic; only if they do not does
   * the planner's plan run, over the older rows. Either way the page is
   * exactly what a single ORDER BY … LIMIT would give.
   */
  search(options: SearchOptions = {}): SearchPage {
    const limit = Math.min(1000, Math.max(1, Math.trunc(options.limit ?? 50)));
    const parts = this.parts(options.query, options.now);
    let keyset = '1';
    let keysetParams: SqlParam[] = [];
    if (options.cursor !== undefined && options.cursor !== null && options.cursor !== '') {
      const c = decodeCursor(options.cursor);
      keyset = '(started_at, id) < (?, ?)';
      keysetParams = [c.startedAt, c.id];
    }
    let rows: SummaryRow[] = [];
    let done = false;
    /** The windows below ran and left the page unfilled: matches are sparse among the newest rows. */
    let sparse = false;
    if (parts.text.length > 0 && !parts.text.some((t) => t.prefix)) {
      const small = Math.ceil(this.newestWindowRows / 10);
      let size = small;
      let walked = 0;
      const newest = (this.prepare('SELECT max(seq) FROM exchanges').pluck().get() as number | null) ?? 0;
      const text = foldNegatives(parts.text).map((condition) => ({
        condition,
        matches: new FtsMatchReader((sql) => this.prepare(sql), condition.match, newest, condition.negated),
      }));
      for (;;) {
        const edge = this.windowEdge(keyset, keysetParams, size);
        const window = this.textInWindow(parts.filters, text, keyset, keysetParams, size, edge, limit + 1 - rows.length);
        rows = rows.concat(window.rows);
        walked += size;
        if (rows.length > limit || edge === null) {
          done = true;
          break;
        }
        // The rest lies at or below the window's edge.
        keyset = '(started_at, id) <= (?, ?)';
        keysetParams = edge;
        if (walked < this.newestWindowRows) {
          // The rest of the large window only when the small one's matches promise a page there (rare matches are
          // found faster by the plan below), or a common negated word leaves few rows to look at.
          if (!window.complement && rows.length * (this.newestWindowRows / walked) <= limit) break;
          size = this.newestWindowRows - walked;
          continue;
        }
        if (!window.complement) break;
        // Few rows escape a common negated word. Walking on beats the planner's plan (which lists the word over
        // the whole index) while the rows left to walk, at the rate so far, are few enough.
        const rest = rows.length === 0 ? Infinity : ((limit + 1 - rows.length) * walked) / rows.length;
        if (rest > COMPLEMENT_WALK_SHARE * this.totalRows()) break;
        size = Math.min(4 * walked, Math.ceil(1.25 * rest));
      }
      sparse = !done;
    }
    if (!done) rows = rows.concat(this.plannedRows(this.compile(parts, limit, sparse), keyset, keysetParams, limit + 1 - rows.length, sparse));
    const more = rows.length > limit;
    if (more) rows.length = limit;
    const items = rows.map(toSummary);
    const last = items[items.length - 1];
    const page: SearchPage = { items, nextCursor: more && last !== undefined ? encodeCursor(last.startedAt, last.id) : null };
    if (options.withTotal === true) page.total = this.count(options.query, options.now);
    return page;
  }

  private select(keyset: string, keysetParams: SqlParam[], index: string, bound: string, boundParams: SqlParam[], query: CompiledQuery, n: number): SummaryRow[] {
    return this.prepare(
      `SELECT ${SUMMARY_COLUMNS} FROM exchanges ${index} WHERE ${keyset} AND ${bound} AND (${query.where}) ORDER BY started_at DESC, id DESC LIMIT ?`,
    ).all(...keysetParams, ...boundParams, ...query.params, n) as SummaryRow[];
  }

  /**
   * The `n` newest rows below `keyset` matching `query`, by SQLite's plan or, when that would sort every match, newest window first
   * (unless `sparse`: matches were few among the newest rows already, `status:5xx w3e8` 10 → 5 ms on 200,000 rows).
   */
  private plannedRows(query: CompiledQuery, keyset: string, keysetParams: SqlParam[], n: number, sparse = false): SummaryRow[] {
    const plain = `SELECT ${SUMMARY_COLUMNS} FROM exchanges WHERE ${keyset} AND 1 AND (${query.where}) ORDER BY started_at DESC, id DESC LIMIT ?`;
    // Sparse: the text windows just walked the newest rows to little avail; walking the next ones in time order would too.
    if (query.where === '1' || sparse || this.streamsInTimeOrder(plain, [...keysetParams, ...query.params, n])) {
      return this.select(keyset, keysetParams, '', '1', [], query, n);
    }
    const edge = this.windowEdge(keyset, keysetParams, this.newestWindowRows);
    if (edge === null) return this.select(keyset, keysetParams, 'INDEXED BY exchanges_time', '1', [], query, n);
    const rows = this.select(keyset, keysetParams, 'INDEXED BY exchanges_time', '(started_at, id) > (?, ?)', edge, query, n);
    return rows.length < n ? rows.concat(this.select(keyset, keysetParams, '', '(started_at, id) <= (?, ?)', edge, query, n - rows.length)) : rows;
  }

  /** The time key of the first row past the newest `size` below `keyset`; null when the window holds every row. */
  private windowEdge(keyset: string, keysetParams: SqlParam[], size: number): [number, string] | null {
    const edge = this.prepare(
      `SELECT started_at, id FROM exchanges INDEXED BY exchanges_time WHERE ${keyset} ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET ${size}`,
    ).get(...keysetParams) as { started_at: number; id: string } | undefined;
    return edge === undefined ? null : [edge.started_at, edge.id];
  }

  /**
   * The `n` newest matches among the newest `size` rows below `keyset`. Every
   * row there has a seq between the window's smallest and largest, so the
   * FTS matches in that range decide its text conditions exactly, whatever
   * order the rows were committed in.
   *
   * A negated condition that most of the range matches (`-invoice` where 99%
   * of rows say invoice) is turned around: the seqs of the range it does not
   * match are the candidates (`complement`), found without visiting a row.
   * When the candidates are few the rows are fetched by seq instead of
   * walking the window in time order.
   */
  private textInWindow(
    filters: CompiledQuery,
    windowText: readonly { condition: TextCondition; matches: FtsMatchReader }[],
    keyset: string,
    keysetParams: SqlParam[],
    size: number,
    edge: [number, string] | null,
    n: number,
  ): { rows: SummaryRow[]; complement: boolean } {
    const { lo, hi } = this.prepare(
      `SELECT min(seq) AS lo, max(seq) AS hi FROM (SELECT seq FROM exchanges INDEXED BY exchanges_time WHERE ${keyset} ORDER BY started_at DESC, id DESC LIMIT ${size})`,
    ).get(...keysetParams) as { lo: number | null; hi: number | null };
    if (lo === null || hi === null) return { rows: [], complement: false };
    let complement = false;
    let fewest = Infinity;
    const text: TextCondition[] = [];
    const lists: string[] = [];
    for (const { condition: t, matches } of windowText) {
      let seqs = matches.between(lo, hi);
      let condition = t;
      if (t.negated && seqs.length > (hi - lo + 1) / 2) {
        seqs = seqsOutside(seqs, lo, hi);
        condition = { ...t, negated: false };
        complement = true;
      }
      if (!condition.negated) fewest = Math.min(fewest, seqs.length);
      text.push(condition);
      lists.push(JSON.stringify(seqs));
    }
    const query = combine({ filters, text }, text.map(() => 'list'), lists);
    // Rows by seq (the rowid) when a list of candidates is short, else the window in time order.
    const index = fewest * 4 < size ? 'NOT INDEXED' : 'INDEXED BY exchanges_time';
    const rows =
      edge === null
        ? this.select(keyset, keysetParams, index, '1', [], query, n)
        : this.select(keyset, keysetParams, index, '(started_at, id) > (?, ?)', edge, query, n);
    return { rows, complement };
  }

  count(query?: HistoryQuery, now?: number): number {
    const parts = this.parts(query, now);
    if (parts.filters.where === '1' && parts.text.length === 0) return this.totalRows();
    const text = foldNegatives(parts.text);
    if (parts.filters.where === '1' && text.length === 1 && !text[0].negated) {
      // Text only: FTS5 counts its own matches without touching the exchanges.
      return (this.prepare('SELECT count(*) AS n FROM exchanges_fts WHERE exchanges_fts MATCH ?').get(text[0].match) as { n: number }).n;
    }
    // Counting visits every match anyway: materialising the FTS matches is the cheaper join.
    const { where, params } = combine({ ...parts, text }, text.map(() => 'in'));
    return this.countWhere(where, params);
  }

  private countWhere(where: string, params: SqlParam[]): number {
    return (this.prepare(`SELECT count(*) AS n FROM exchanges WHERE (${where})`).get(...params) as { n: number }).n;
  }

  /** The full record, or null when there is no such exchange. */
  get(id: string): StoredExchange | null {
    const r = this.prepare('SELECT * FROM exchanges WHERE id = ?').get(id) as FullRow | undefined;
    if (r === undefined) return null;
    const bodies = this.prepare('SELECT kind, bytes, size, truncated, content_type FROM bodies WHERE exchange_seq = ?').all(r.seq) as BodyRow[];
    let websocket: WebSocketMessage[] | null = null;
    if (r.ws_count !== null) {
      const ws = this.prepare(
        'SELECT time, direction, opcode, data, size, truncated, deflate FROM ws_messages WHERE exchange_seq = ? ORDER BY idx',
      ).all(r.seq) as WsRow[];
      websocket = ws.map((m) => ({
        time: m.time,
        direction: m.direction,
        opcode: m.opcode,
        // Dropped payloads (bodiesDropped) come back empty; `size` keeps the true size.
        data: m.data === null ? new Uint8Array(0) : asBytes(m.data),
        size: m.size,
        truncated: m.truncated === 1,
        ...(m.deflate === null ? {} : { [m.deflate]: true }),
      }));
    }
    return {
      id: r.id,
      requestId: r.request_id,
      startedAt: r.started_at,
      duration: r.duration,
      timings: JSON.parse(r.timings) as TimingPhases,
      clientAddress: r.client,
      clientPort: r.client_port,
      listener: r.listener,
      scheme: r.scheme,
      ...(r.tls !== null ? { tls: JSON.parse(r.tls) as TlsConnectionInfo } : {}),
      ...(r.intercepted === 1 ? { intercepted: true } : {}),
      httpVersion: r.http_version,
      method: r.method,
      host: r.host,
      url: r.url,
      route: r.route,
      upstream: r.upstream,
      target: r.target,
      attempts: r.attempts,
      status: r.status,
      requestHeaders: decodeHeaders(r.req_headers),
      responseHeaders: decodeHeaders(r.res_headers),
      requestBody: toBody(bodies.find((b) => b.kind === 'req')),
      responseBody: toBody(bodies.find((b) => b.kind === 'res')),
      policies: JSON.parse(r.policies) as PolicyDecision[],
      error: r.error === null ? null : (JSON.parse(r.error) as { code: string; message: string }),
      aborted: r.aborted === 1,
      websocket,
      replayOf: r.replay_of,
      source: r.source,
      bodiesDropped: r.bodies_dropped === 1,
    };
  }

  /** Deletes by ids or by query; returns the number deleted. */
  delete(target: DeleteTarget): number {
    const deleter = deleterFor(this.db);
    let deleted = 0;
    if (Array.isArray(target)) {
      const ids = target as readonly string[];
      const find = this.prepare('SELECT seq FROM exchanges WHERE id = ?');
      for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000);
        deleted += this.db
          .transaction(() => {
            const seqs = chunk.map((id) => (find.get(id) as { seq: number } | undefined)?.seq).filter((s): s is number => s !== undefined);
            return deleter.bySeq(seqs);
          })
          .immediate();
      }
    } else {
      const t = target as { query: HistoryQuery; now?: number };
      const parts = this.parts(t.query, t.now ?? Date.now());
      if (parts.filters.where === '1' && parts.text.length === 0) return this.clear();
      // What matches now (FTS joined once), then deleted in chunks of one transaction each.
      const text = foldNegatives(parts.text);
      const { where, params } = combine({ ...parts, text }, text.map(() => 'in'));
      // A row the FTS indexer has not reached is in no FTS match, so it would pass a negated word
      // it may well contain: with free text, only indexed rows are deleted.
      const indexed = text.length === 0 ? '' : ' AND seq <= (SELECT indexed_seq FROM history_state WHERE id = 1)';
      const seqs = this.prepare(`SELECT seq FROM exchanges WHERE (${where})${indexed}`).pluck().all(...params) as number[];
      for (let i = 0; i < seqs.length; i += 1000) {
        const chunk = seqs.slice(i, i + 1000);
        deleted += this.db.transaction(() => deleter.bySeq(chunk)).immediate();
      }
    }
    if (deleted > 0) reclaimFreePages(this.db);
    return deleted;
  }

  /** Deletes every exchange; returns how many there were. */
  clear(): number {
    const n = deleterFor(this.db).all();
    // Every page is free now: VACUUM rebuilds the (empty) file in milliseconds,
    // where incremental_vacuum walked the whole free list (1.2 s for 235 MB),
    // holding the write lock the history writer needs.
    try {
      this.db.exec('VACUUM');
    } catch {
      // Busy past the timeout: the rows are gone all the same; free the pages the slow way.
      reclaimFreePages(this.db, 1);
    }
    this.db.pragma('wal_checkpoint(PASSIVE)');
    return n;
  }

  stats(): HistoryStoreStats {
    const t = this.prepare('SELECT rows, bytes, indexed_seq FROM history_state WHERE id = 1').get() as {
      rows: number;
      bytes: number;
      indexed_seq: number;
    };
    const size = (f: string): number => {
      try {
        return statSync(f).size;
      } catch {
        return 0;
      }
    };
    return {
      rows: t.rows,
      bytes: t.bytes,
      fileSize: size(this.file) + size(`${this.file}-wal`),
      freePages: this.db.pragma('freelist_count', { simple: true }) as number,
      pageSize: this.db.pragma('page_size', { simple: true }) as number,
      unindexed: (this.prepare('SELECT count(*) AS n FROM exchanges WHERE seq > ?').get(t.indexed_seq) as { n: number }).n,
    };
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }
}
