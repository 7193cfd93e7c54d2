/**
 * The history query language, shared by the CLI, the control API and the UI.
 *
 *   status:5xx host:api.localhost dur>200ms "timeout" method:POST -path:/health
 *
 * - Terms are separated by spaces and all must hold (there is no OR).
 * - `-` before a term negates it.
 * - Free text searches URL, headers, textual bodies and error messages (FTS,
 *   whole words, case-insensitive): `timeout`, or a "quoted phrase"; a word
 *   with punctuation is a phrase of its parts (`api.localhost`). A trailing `*`
 *   matches words starting with it (`time*` finds "timeout"). `url:`,
 *   `header:` and `body:` search one of those only.
 * - `key:value` filters; values may be quoted (`path:"/a b"`); `*` is a wildcard
 *   in text fields (`host:*.localhost`, `path:/api/*`).
 * - Numbers compare with `>`, `>=`, `<`, `<=` (written `dur>200ms` or
 *   `dur:>200ms`); durations take ms/s/m/h (bare = ms), sizes B/KB/MB/GB
 *   (1 KB = 1024 B, bare = bytes).
 * - `status:404`, `status:4xx`, `status:>=500`.
 * - `after:` / `before:` take ISO dates or date-times (local time unless they
 *   end in Z or an offset) or a relative time in the past (`after:-15m`,
 *   units s/m/h/d/w); `after` is inclusive, `before` exclusive.
 * - `is:error|aborted|truncated|websocket|dropped|replay|imported|live|intercepted`.
 *
 * The parser only builds an AST; `search-sql.ts` turns it into SQL.
 */
import { QuerySyntaxError, type Flag, type MatchField, type NumberField, type QueryAst, type QueryTerm, type QueryTermBody, type TextColumn } from './query-ast.js';
import { matchValue, numberTerm, parseTime, type Value } from './query-values.js';

export * from './query-ast.js';

type KeyKind =
  | { kind: 'match'; field: MatchField }
  | { kind: 'number'; field: NumberField }
  | { kind: 'time'; bound: 'after' | 'before' }
  | { kind: 'flag' }
  | { kind: 'text'; column: TextColumn };

const KEYS: Record<string, KeyKind> = {
  method: { kind: 'match', field: 'method' },
  scheme: { kind: 'match', field: 'scheme' },
  host: { kind: 'match', field: 'host' },
  path: { kind: 'match', field: 'path' },
  route: { kind: 'match', field: 'route' },
  upstream: { kind: 'match', field: 'upstream' },
  target: { kind: 'match', field: 'target' },
  client: { kind: 'match', field: 'client' },
  ip: { kind: 'match', field: 'client' },
  listener: { kind: 'match', field: 'listener' },
  id: { kind: 'match', field: 'id' },
  rid: { kind: 'match', field: 'requestId' },
  'request-id': { kind: 'match', field: 'requestId' },
  requestid: { kind: 'match', field: 'requestId' },
  'replay-of': { kind: 'match', field: 'replayOf' },
  replayof: { kind: 'match', field: 'replayOf' },
  error: { kind: 'match', field: 'errorCode' },
  cache: { kind: 'match', field: 'cache' },
  source: { kind: 'match', field: 'source' },
  status: { kind: 'number', field: 'status' },
  dur: { kind: 'number', field: 'duration' },
  duration: { kind: 'number', field: 'duration' },
  size: { kind: 'number', field: 'resSize' },
  ressize: { kind: 'number', field: 'resSize' },
  'res-size': { kind: 'number', field: 'resSize' },
  reqsize: { kind: 'number', field: 'reqSize' },
  'req-size': { kind: 'number', field: 'reqSize' },
  attempts: { kind: 'number', field: 'attempts' },
  after: { kind: 'time', bound: 'after' },
  since: { kind: 'time', bound: 'after' },
  before: { kind: 'time', bound: 'before' },
  until: { kind: 'time', bound: 'before' },
  is: { kind: 'flag' },
  url: { kind: 'text', column: 'url' },
  header: { kind: 'text', column: 'headers' },
  headers: { kind: 'text', column: 'headers' },
  body: { kind: 'text', column: 'body' },
};

/** The filters as docs/history.md lists them (aliases such as `duration` or `since` left out). */
const KNOWN_KEYS =
  'method, scheme, host, path, route, upstream, target, client (or ip), listener, id, rid, replay-of, error, cache, source, ' +
  'status, dur, size, req-size, attempts, after, before, is, url, header, body';

const FLAGS: Record<string, Flag> = {
  error: 'error',
  aborted: 'aborted',
  truncated: 'truncated',
  websocket: 'websocket',
  ws: 'websocket',
  dropped: 'dropped',
  replay: 'replay',
  imported: 'imported',
  import: 'imported',
  live: 'live',
  intercepted: 'intercepted',
};

const MAX_TERMS = 256;
/**
 * Words of free text in a whole query (phrases, prefixes and negations all
 * count). FTS5 reads a word's whole match list once per occurrence: a
 * 1,000-word phrase took 9 s on 20,000 rows, and every other search waited
 * behind it in the reader's thread.
 */
const MAX_TEXT_WORDS = 64;
const WORD = /[\p{L}\p{N}]+/gu;

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

class Parser {
  private i = 0;
  private words = 0;
  constructor(private readonly s: string) {}

  parse(): QueryAst {
    const terms: QueryTerm[] = [];
    for (;;) {
      while (isSpace(this.s[this.i])) this.i++;
      if (this.i >= this.s.length) break;
      const term = this.term();
      // SQLite refuses expressions nested past 1000 levels, and a huge FTS expression takes seconds.
      if (terms.length === MAX_TERMS) throw new QuerySyntaxError(`A query has at most ${MAX_TERMS} terms`, term.position, term.length);
      terms.push(term);
    }
    return { source: this.s, terms };
  }

  private term(): QueryTerm {
    const start = this.i;
    let negated = false;
    if (this.s[this.i] === '-') {
      if (this.i + 1 >= this.s.length || isSpace(this.s[this.i + 1])) {
        throw new QuerySyntaxError('Expected a filter or text right after "-"', this.i, 1);
      }
      negated = true;
      this.i++;
    }
    const body = this.termBody();
    return { ...body, negated, position: start, length: this.i - start };
  }

  private termBody(): QueryTermBody {
    if (this.s[this.i] === '"') {
      const v = this.quoted();
      return this.textTerm(v, null);
    }
    const keyMatch = /([A-Za-z][A-Za-z0-9_-]*)(>=|<=|:|>|<|=)/y;
    keyMatch.lastIndex = this.i;
    const m = keyMatch.exec(this.s);
    if (m !== null) {
      const keyPos = this.i;
      const key = m[1].toLowerCase();
      const op = m[2];
      const kind = KEYS[key];
      if (kind !== undefined) {
        this.i = keyPos + m[0].length;
        const value = this.value(keyPos, m[0].length, m[1]);
        return this.filter(kind, m[1], op, value, keyPos);
      }
      if (op !== '=') {
        throw new QuerySyntaxError(
          `Unknown filter "${m[1]}${op}" (known: ${KNOWN_KEYS}); put text in quotes to search for it`,
          keyPos,
          m[1].length + op.length,
        );
      }
    }
    return this.textTerm(this.bareWord(), null);
  }

  /** A value after `key:` — quoted or up to the next space. */
  private value(keyPos: number, keyLength: number, key: string): Value {
    if (this.s[this.i] === '"') return this.quoted();
    const v = this.bareWord();
    if (v.text === '') throw new QuerySyntaxError(`"${key}" needs a value`, keyPos, keyLength);
    return v;
  }

  private bareWord(): Value {
    const start = this.i;
    while (this.i < this.s.length && !isSpace(this.s[this.i])) {
      if (this.s[this.i] === '"') {
        throw new QuerySyntaxError('Unexpected quote inside a word; quote the whole text instead', this.i, 1);
      }
      this.i++;
    }
    return { text: this.s.slice(start, this.i), quoted: false, position: start, length: this.i - start };
  }

  private quoted(): Value {
    const start = this.i;
    let text = '';
    this.i++;
    for (;;) {
      if (this.i >= this.s.length) throw new QuerySyntaxError('Unterminated quote', start, this.s.length - start);
      const c = this.s[this.i];
      if (c === '\\' && (this.s[this.i + 1] === '"' || this.s[this.i + 1] === '\\')) {
        text += this.s[this.i + 1];
        this.i += 2;
        continue;
      }
      this.i++;
      if (c === '"') break;
      text += c;
    }
    if (this.i < this.s.length && !isSpace(this.s[this.i])) {
      throw new QuerySyntaxError('Expected a space after the closing quote', this.i, 1);
    }
    return { text, quoted: true, position: start, length: this.i - start };
  }

  private textTerm(v: Value, column: TextColumn | null): QueryTermBody {
    const prefix = !v.quoted && v.text.endsWith('*');
    const text = prefix ? v.text.replace(/\*+$/, '') : v.text;
    if (!/[\p{L}\p{N}]/u.test(text)) {
      throw new QuerySyntaxError('Search text needs at least one letter or digit', v.position, Math.max(1, v.length));
    }
    this.words += text.match(WORD)?.length ?? 0;
    if (this.words > MAX_TEXT_WORDS) {
      throw new QuerySyntaxError(`A query has at most ${MAX_TEXT_WORDS} words of search text`, v.position, Math.max(1, v.length));
    }
    return { kind: 'text', text, prefix, column };
  }

  private filter(kind: KeyKind, key: string, op: string, v: Value, keyPos: number): QueryTermBody {
    const keyAndOp = key.length + op.length;
    if (kind.kind !== 'number' && op !== ':') {
      throw new QuerySyntaxError(`"${key}" takes "${key}:value", not a comparison`, keyPos + key.length, op.length);
    }
    switch (kind.kind) {
      case 'text':
        return this.textTerm(v, kind.column);
      case 'match':
        return { kind: 'match', field: kind.field, value: matchValue(kind.field, key, v) };
      case 'flag': {
        const flag = FLAGS[v.text.toLowerCase()];
        if (flag === undefined) {
          throw new QuerySyntaxError(
            `Unknown "is:${v.text}" (use is:error, is:aborted, is:truncated, is:websocket, is:dropped, is:replay, is:imported, is:live or is:intercepted)`,
            v.position,
            v.length,
          );
        }
        return { kind: 'flag', flag };
      }
      case 'time':
        return { kind: 'time', bound: kind.bound, at: parseTime(v, key) };
      case 'number':
        return numberTerm(kind.field, key, op, v, keyPos, keyAndOp);
    }
  }
}

/** Parses a query; throws `QuerySyntaxError` with the position of the problem. */
export function parseQuery(source: string): QueryAst {
  return new Parser(source).parse();
}
