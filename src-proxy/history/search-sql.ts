/**
 * Query AST → parameterised SQL over `exchanges`. Values are only ever bound
 * as parameters; column names come from fixed tables. Free text becomes FTS5
 * MATCH expressions in which every term is a double-quoted string (embedded
 * quotes doubled), so no user input is parsed as FTS syntax.
 *
 * Metadata filters and free text are kept apart (`QueryParts`) because the
 * best way to join the FTS index depends on how many rows a term matches
 * (see `textSql` and `HistoryStore.search`).
 */
import type { Flag, MatchField, NumberField, QueryAst, QueryTerm, TextColumn } from './query-language.js';

export type SqlParam = string | number;

export interface CompiledQuery {
  /** SQL boolean expression over the `exchanges` table (no leading WHERE). */
  where: string;
  params: SqlParam[];
}

/** One FTS condition: all positive text terms combined, or one negated term. */
export interface TextCondition {
  match: string;
  negated: boolean;
  /**
   * It contains a prefix term (`word*`) left to FTS5, which merges every
   * matching word over the whole index first: not looked for in windows of
   * the newest rows, never probed per row.
   */
  prefix: boolean;
  /** Cheap to look up for one row: false with any prefix term (given as words, a probe seeks every word). */
  probeable: boolean;
}

export interface QueryParts {
  /** Metadata filters ('1' when there are none). */
  filters: CompiledQuery;
  text: TextCondition[];
}

/**
 * - `in`: materialise the FTS matches once (`seq IN (…)`); best when the term is rare.
 * - `probe`: look each candidate row up in the FTS index (`EXISTS … rowid = seq`);
 *   best when the term is common and rows are visited newest first until a page is full.
 * - `list`: the matches are given, as a JSON array of seqs, instead of the MATCH
 *   expression (HistoryStore collects those of the newest rows itself).
 */
export type TextMode = 'in' | 'probe' | 'list';

export interface CompileOptions {
  /** Clock for relative times (after:-15m). */
  now?: number;
  /**
   * The index's whole words for a prefix term (`invo` → invoice, invoices…),
   * or null to leave the prefix to FTS5. A prefix given as words is walked
   * lazily like any word (see fts-prefix-terms.ts).
   */
  prefixWords?: (prefix: string) => readonly string[] | null;
}

const MATCH_COLUMNS: Record<MatchField, { column: string; nullable: boolean }> = {
  method: { column: 'method', nullable: false },
  scheme: { column: 'scheme', nullable: false },
  host: { column: 'host', nullable: false },
  path: { column: 'path', nullable: false },
  route: { column: 'route', nullable: true },
  upstream: { column: 'upstream', nullable: true },
  target: { column: 'target', nullable: true },
  client: { column: 'client', nullable: false },
  listener: { column: 'listener', nullable: false },
  id: { column: 'id', nullable: false },
  requestId: { column: 'request_id', nullable: false },
  replayOf: { column: 'replay_of', nullable: true },
  errorCode: { column: 'error_code', nullable: true },
  cache: { column: 'cache_status', nullable: true },
  source: { column: 'source', nullable: false },
};

const NUMBER_COLUMNS: Record<NumberField, string> = {
  status: 'status',
  duration: 'duration',
  resSize: 'res_size',
  reqSize: 'req_size',
  attempts: 'attempts',
};

const FTS_COLUMNS: Record<TextColumn, string> = { url: 'url', headers: 'headers', body: 'body' };

const FLAG_SQL: Record<Flag, { sql: string; params: string[] }> = {
  error: { sql: 'error_code IS NOT NULL', params: [] },
  aborted: { sql: 'aborted = 1', params: [] },
  truncated: { sql: 'truncated = 1', params: [] },
  websocket: { sql: 'ws_count IS NOT NULL', params: [] },
  dropped: { sql: 'bodies_dropped = 1', params: [] },
  replay: { sql: 'source = ?', params: ['replay'] },
  imported: { sql: 'source = ?', params: ['import'] },
  live: { sql: 'source = ?', params: ['live'] },
  intercepted: { sql: 'intercepted = 1', params: [] },
};

/** `*` is the only wildcard users write; GLOB's own `?` and `[` are escaped as character classes. */
export function globPattern(value: string): string {
  return value.replace(/[[?]/g, (c) => `[${c}]`);
}

/** One FTS5 string: quoted, quotes doubled, optionally a prefix query. */
export function ftsString(text: string, prefix: boolean): string {
  return `"${text.replace(/"/g, '""')}"${prefix ? '*' : ''}`;
}

/** One text term as an FTS condition (a prefix as the OR of its words when `prefixWords` gives them). */
function ftsTerm(term: Extract<QueryTerm, { kind: 'text' }>, options: CompileOptions): TextCondition {
  const words = term.prefix ? (options.prefixWords?.(term.text) ?? null) : null;
  const asWords = words !== null && words.length > 0;
  const phrase = asWords ? `(${words.map((w) => ftsString(w, false)).join(' OR ')})` : ftsString(term.text, term.prefix);
  return {
    match: term.column === null ? phrase : `{${FTS_COLUMNS[term.column]}} : ${phrase}`,
    negated: term.negated,
    prefix: term.prefix && !asWords,
    probeable: !term.prefix,
  };
}

const TEXT_SQL: Record<TextMode, string> = {
  in: 'seq IN (SELECT rowid FROM exchanges_fts WHERE exchanges_fts MATCH ?)',
  probe: 'EXISTS (SELECT 1 FROM exchanges_fts WHERE exchanges_fts MATCH ? AND exchanges_fts.rowid = exchanges.seq)',
  list: 'seq IN (SELECT value FROM json_each(?))',
};

/** SQL for one text condition; its single parameter is `condition.match` (for `list`, the JSON array of seqs). */
export function textSql(condition: TextCondition, mode: TextMode): string {
  const sql = TEXT_SQL[mode];
  return condition.negated ? `NOT ${sql}` : sql;
}

export function compileParts(ast: QueryAst, options: CompileOptions = {}): QueryParts {
  const now = options.now ?? Date.now();
  const clauses: string[] = [];
  const params: SqlParam[] = [];
  const positive: TextCondition[] = [];
  const negative: TextCondition[] = [];

  const add = (term: QueryTerm, sql: string, values: SqlParam[]): void => {
    clauses.push(term.negated ? `NOT coalesce(${sql}, 0)` : sql);
    params.push(...values);
  };

  for (const term of ast.terms) {
    switch (term.kind) {
      case 'text':
        (term.negated ? negative : positive).push(ftsTerm(term, options));
        break;
      case 'match': {
        const { column, nullable } = MATCH_COLUMNS[term.field];
        const wildcard = term.value.includes('*');
        const test = wildcard ? `${column} GLOB ?` : `${column} = ?`;
        add(term, nullable && term.negated ? `(${column} IS NOT NULL AND ${test})` : test, [wildcard ? globPattern(term.value) : term.value]);
        break;
      }
      case 'compare':
        add(term, `${NUMBER_COLUMNS[term.field]} ${term.op} ?`, [term.value]);
        break;
      case 'statusClass':
        add(term, 'status BETWEEN ? AND ?', [term.min, term.max]);
        break;
      case 'time': {
        const at = 'absolute' in term.at ? term.at.absolute : now + term.at.relativeMs;
        add(term, term.bound === 'after' ? 'started_at >= ?' : 'started_at < ?', [at]);
        break;
      }
      case 'flag': {
        const f = FLAG_SQL[term.flag];
        add(term, f.sql, f.params);
        break;
      }
    }
  }
  const text: TextCondition[] = positive.length > 0 ? [allOf(positive), ...negative] : negative;
  return {
    filters: { where: clauses.length === 0 ? '1' : clauses.map((c) => `(${c})`).join(' AND '), params },
    text,
  };
}

/** Positive conditions as one: `A AND B …`. */
function allOf(conditions: readonly TextCondition[]): TextCondition {
  return {
    match: conditions.map((c) => c.match).join(' AND '),
    negated: false,
    prefix: conditions.some((c) => c.prefix),
    probeable: conditions.every((c) => c.probeable),
  };
}

/** Negated conditions as one, `NOT (A OR B …)`: one list of matches to exclude instead of one per word. */
function noneOf(negatives: readonly TextCondition[]): TextCondition {
  return {
    match: negatives.map((n) => `(${n.match})`).join(' OR '),
    negated: true,
    prefix: negatives.some((n) => n.prefix),
    probeable: negatives.every((n) => n.probeable),
  };
}

/**
 * Folds negated terms into the positive condition (`(P) NOT (N1) NOT (N2)`),
 * so FTS5 evaluates the whole text part once; without one, into one negated
 * OR (`NOT (N1 OR N2)`).
 */
export function foldNegatives(text: readonly TextCondition[]): TextCondition[] {
  const positive = text.find((t) => !t.negated);
  if (positive === undefined) return text.length > 1 ? [noneOf(text)] : [...text];
  const negatives = text.filter((t) => t.negated);
  if (negatives.length === 0) return [positive];
  return [
    {
      match: `(${positive.match})${negatives.map((n) => ` NOT (${n.match})`).join('')}`,
      negated: false,
      prefix: text.some((t) => t.prefix),
      probeable: text.every((t) => t.probeable),
    },
  ];
}

/**
 * Joins filters and text conditions (text last, so cheap filters run first).
 * `values[i]` replaces the i-th condition's MATCH expression as its parameter (mode `list`).
 */
export function combine(parts: QueryParts, modes: readonly TextMode[], values: readonly string[] = []): CompiledQuery {
  if (parts.text.length === 0) return parts.filters;
  const clauses = parts.filters.where === '1' ? [] : [parts.filters.where];
  const params = [...parts.filters.params];
  parts.text.forEach((t, i) => {
    clauses.push(textSql(t, modes[i] ?? 'in'));
    params.push(values[i] ?? t.match);
  });
  return { where: clauses.join(' AND '), params };
}

/** The whole query as one WHERE clause (text joined by `in`, negations folded in): for counts and deletes. */
export function compileQuery(ast: QueryAst, options: CompileOptions = {}): CompiledQuery {
  const parts = compileParts(ast, options);
  const text = foldNegatives(parts.text);
  return combine({ ...parts, text }, text.map(() => 'in'));
}
