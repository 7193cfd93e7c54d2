import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src-proxy/project-root.js';
import { parseQuery, QuerySyntaxError, type QueryTerm } from '../../src-proxy/history/query-language.js';
import { compileParts, compileQuery, foldNegatives, ftsString, globPattern, textSql } from '../../src-proxy/history/search-sql.js';

const strip = (t: QueryTerm): Record<string, unknown> => {
  const { position: _p, length: _l, ...rest } = t;
  return rest;
};
const terms = (q: string): Record<string, unknown>[] => parseQuery(q).terms.map(strip);

function syntaxError(q: string): QuerySyntaxError {
  try {
    parseQuery(q);
  } catch (err) {
    expect(err).toBeInstanceOf(QuerySyntaxError);
    return err as QuerySyntaxError;
  }
  throw new Error(`expected "${q}" to be rejected`);
}

describe('query language: parsing', () => {
  it('parses the example from the issue into one term per filter', () => {
    const ast = parseQuery(
      'status:5xx host:api.localhost dur>200ms "timeout" method:POST -path:/health route:users upstream:users ' +
        'target:127.0.0.1:9001 client:127.0.0.1 size>10KB after:2026-11-20 before:2026-11-21T12:00 cache:HIT source:replay is:error is:aborted',
    );
    expect(ast.terms.map(strip)).toEqual([
      { kind: 'statusClass', min: 500, max: 599, negated: false },
      { kind: 'match', field: 'host', value: 'api.localhost', negated: false },
      { kind: 'compare', field: 'duration', op: '>', value: 200, negated: false },
      { kind: 'text', text: 'timeout', prefix: false, column: null, negated: false },
      { kind: 'match', field: 'method', value: 'POST', negated: false },
      { kind: 'match', field: 'path', value: '/health', negated: true },
      { kind: 'match', field: 'route', value: 'users', negated: false },
      { kind: 'match', field: 'upstream', value: 'users', negated: false },
      { kind: 'match', field: 'target', value: '127.0.0.1:9001', negated: false },
      { kind: 'match', field: 'client', value: '127.0.0.1', negated: false },
      { kind: 'compare', field: 'resSize', op: '>', value: 10 * 1024, negated: false },
      { kind: 'time', bound: 'after', at: { absolute: new Date(2026, 10, 20).getTime() }, negated: false },
      { kind: 'time', bound: 'before', at: { absolute: new Date(2026, 10, 21, 12, 0).getTime() }, negated: false },
      { kind: 'match', field: 'cache', value: 'HIT', negated: false },
      { kind: 'match', field: 'source', value: 'replay', negated: false },
      { kind: 'flag', flag: 'error', negated: false },
      { kind: 'flag', flag: 'aborted', negated: false },
    ]);
  });

  it('records where each term starts and how long it is', () => {
    const q = 'status:404  -host:a.b "two words"';
    expect(parseQuery(q).terms.map((t) => q.slice(t.position, t.position + t.length))).toEqual([
      'status:404',
      '-host:a.b',
      '"two words"',
    ]);
  });

  it('parses status codes, classes and comparisons in both spellings', () => {
    expect(terms('status:404')).toEqual([{ kind: 'compare', field: 'status', op: '=', value: 404, negated: false }]);
    expect(terms('status:4XX')).toEqual([{ kind: 'statusClass', min: 400, max: 499, negated: false }]);
    expect(terms('status:>=500')).toEqual([{ kind: 'compare', field: 'status', op: '>=', value: 500, negated: false }]);
    expect(terms('status>=500')).toEqual([{ kind: 'compare', field: 'status', op: '>=', value: 500, negated: false }]);
    expect(terms('status<300')).toEqual([{ kind: 'compare', field: 'status', op: '<', value: 300, negated: false }]);
    expect(terms('-status:2xx')).toEqual([{ kind: 'statusClass', min: 200, max: 299, negated: true }]);
  });

  it('converts duration and size units', () => {
    const v = (q: string): unknown => (parseQuery(q).terms[0] as { value: number }).value;
    expect(v('dur>200ms')).toBe(200);
    expect(v('dur>=1.5s')).toBe(1500);
    expect(v('duration:<2m')).toBe(120_000);
    expect(v('dur>250')).toBe(250);
    expect(v('size>10KB')).toBe(10_240);
    expect(v('size<=2mb')).toBe(2 * 1024 * 1024);
    expect(v('size>512B')).toBe(512);
    expect(v('size>100')).toBe(100);
    expect(v('reqsize>1KB')).toBe(1024);
    expect(terms('reqsize>1KB')[0]).toMatchObject({ field: 'reqSize' });
    expect(terms('attempts:2')[0]).toMatchObject({ field: 'attempts', op: '=', value: 2 });
    expect(terms('attempts>1')[0]).toMatchObject({ field: 'attempts', op: '>', value: 1 });
  });

  it('parses absolute and relative times', () => {
    const at = (q: string): unknown => (parseQuery(q).terms[0] as { at: unknown }).at;
    expect(at('after:-15m')).toEqual({ relativeMs: -15 * 60_000 });
    expect(at('after:-2h')).toEqual({ relativeMs: -2 * 3_600_000 });
    expect(at('since:-7d')).toEqual({ relativeMs: -7 * 86_400_000 });
    expect(at('before:-30s')).toEqual({ relativeMs: -30_000 });
    expect(at('after:2026-11-20T10:00:00Z')).toEqual({ absolute: Date.UTC(2026, 10, 20, 10) });
    expect(at('after:2026-11-20T10:00:00.250Z')).toEqual({ absolute: Date.UTC(2026, 10, 20, 10, 0, 0, 250) });
    // As the command line prints times: a space for the T, so the value is quoted.
    expect(at('after:"2026-11-20 10:00:00.250Z"')).toEqual({ absolute: Date.UTC(2026, 10, 20, 10, 0, 0, 250) });
    expect(() => at('after:"2026-11-20  10:00"')).toThrow(/expects a date/);
    expect(at('after:2026-11-20T12:00+02:00')).toEqual({ absolute: Date.UTC(2026, 10, 20, 10) });
    expect(at('until:2026-11-21')).toEqual({ absolute: new Date(2026, 10, 21).getTime() });
    // Years before 100 are those years, not 1900–1999 (Date's reading of two-digit years); leap days follow the year.
    expect(at('after:0099-06-01T00:00Z')).toEqual({ absolute: Date.parse('0099-06-01T00:00:00Z') });
    expect(new Date((at('after:0099-06-01') as { absolute: number }).absolute).getFullYear()).toBe(99);
    expect(at('after:2024-02-29T00:00Z')).toEqual({ absolute: Date.UTC(2024, 1, 29) });
    expect(() => at('after:2023-02-29')).toThrow(/expects a date/);
    // UTC offsets run from -12:00 to +14:00: one past them is a typo, refused rather than read as days away.
    expect(at('after:2026-11-20T12:00-1200')).toEqual({ absolute: Date.UTC(2026, 10, 21) });
    expect(at('after:2026-11-20T14:00+14:00')).toEqual({ absolute: Date.UTC(2026, 10, 20) });
    expect(() => at('after:2026-11-20T12:00+99:00')).toThrow(/expects a date/);
    expect(() => at('before:2026-11-20T12:00+01:75')).toThrow(/expects a date/);
  });

  it('treats bare words and quoted phrases as free text, with prefixes and column scopes', () => {
    expect(terms('timeout')).toEqual([{ kind: 'text', text: 'timeout', prefix: false, column: null, negated: false }]);
    expect(terms('time*')).toEqual([{ kind: 'text', text: 'time', prefix: true, column: null, negated: false }]);
    expect(terms('-"gateway timeout"')).toEqual([{ kind: 'text', text: 'gateway timeout', prefix: false, column: null, negated: true }]);
    expect(terms('"time*"')).toEqual([{ kind: 'text', text: 'time*', prefix: false, column: null, negated: false }]);
    expect(terms('"say \\"hi\\""')).toEqual([{ kind: 'text', text: 'say "hi"', prefix: false, column: null, negated: false }]);
    expect(terms('header:x-trace* body:"order 7" url:users')).toEqual([
      { kind: 'text', text: 'x-trace', prefix: true, column: 'headers', negated: false },
      { kind: 'text', text: 'order 7', prefix: false, column: 'body', negated: false },
      { kind: 'text', text: 'users', prefix: false, column: 'url', negated: false },
    ]);
    // `=` after an unknown word is text (query strings), digits-first words too.
    expect(terms('page=2 127.0.0.1:9001')).toEqual([
      { kind: 'text', text: 'page=2', prefix: false, column: null, negated: false },
      { kind: 'text', text: '127.0.0.1:9001', prefix: false, column: null, negated: false },
    ]);
  });

  it('normalises case where the field is case-insensitive, and accepts quoted values and wildcards', () => {
    expect(terms('method:post HOST:API.Localhost cache:hit error:upstream_timeout source:Replay')).toEqual([
      { kind: 'match', field: 'method', value: 'POST', negated: false },
      { kind: 'match', field: 'host', value: 'api.localhost', negated: false },
      { kind: 'match', field: 'cache', value: 'HIT', negated: false },
      { kind: 'match', field: 'errorCode', value: 'UPSTREAM_TIMEOUT', negated: false },
      { kind: 'match', field: 'source', value: 'replay', negated: false },
    ]);
    expect(terms('path:"/a b/*" route:Users')).toEqual([
      { kind: 'match', field: 'path', value: '/a b/*', negated: false },
      { kind: 'match', field: 'route', value: 'Users', negated: false },
    ]);
    expect(terms('is:ws is:truncated is:dropped is:websocket is:replay is:import is:live is:intercepted')).toEqual(
      ['websocket', 'truncated', 'dropped', 'websocket', 'replay', 'imported', 'live', 'intercepted'].map((flag) => ({ kind: 'flag', flag, negated: false })),
    );
    expect(parseQuery('   ').terms).toEqual([]);
  });

  it.each([
    ['status:abc', 'status', 7, 3],
    ['status:6xx', 'status', 7, 3],
    ['method:GET status:>=5000', 'status', 20, 4],
    ['dur>fast', 'duration such as', 4, 4],
    ['dur>200parsecs', 'duration such as', 4, 10],
    ['dur:200ms', 'needs a comparison', 0, 9],
    ['size>10XB', 'size such as', 5, 4],
    ['host:', 'needs a value', 0, 5],
    ['foo:bar', 'Unknown filter "foo:"', 0, 4],
    ['ok http://x', 'Unknown filter "http:"', 3, 5],
    ['a "unterminated', 'Unterminated quote', 2, 13],
    ['"a"b', 'space after the closing quote', 3, 1],
    ['ab"c', 'Unexpected quote', 2, 1],
    ['x - y', 'after "-"', 2, 1],
    ['after:yesterday', 'expects a date', 6, 9],
    ['after:2026-13-01', 'expects a date', 6, 10],
    ['before:2026-02-30', 'expects a date', 7, 10],
    ['after:15m', 'relative time', 6, 3],
    ['is:slow', 'Unknown "is:slow" (use is:error, is:aborted, is:truncated, is:websocket, is:dropped, is:replay, is:imported, is:live or is:intercepted)', 3, 4],
    ['source:cli', 'live, replay or import', 7, 3],
    ['host>3', 'not a comparison', 4, 1],
    ['"..."', 'letter or digit', 0, 5],
    ['a **', 'letter or digit', 2, 2],
    ['attempts:many', 'whole number', 9, 4],
  ])('rejects %j with a clear message and the position of the problem', (q, message, position, length) => {
    const err = syntaxError(q);
    expect(err.message).toContain(message);
    expect({ position: err.position, length: err.length }).toEqual({ position, length });
  });
});

describe('query language: the unknown-filter message', () => {
  it('lists every filter docs/history.md names, spelled as there, each of them accepted', () => {
    const listed = /\(known: (.*)\); put text/.exec(syntaxError('foo:bar').message)![1];
    const names = listed.replace(' (or ip)', ', ip').split(', ');
    expect(names).toEqual(expect.arrayContaining(['scheme', 'ip', 'req-size', 'replay-of', 'rid', 'attempts']));
    expect(names).not.toContain('reqsize');
    const docs = readFileSync(join(projectRoot(), 'docs', 'history.md'), 'utf8');
    const section = docs.slice(docs.indexOf('## The query language'), docs.indexOf('A query has at most'));
    for (const name of names) {
      expect(section, name).toMatch(new RegExp('`' + name + '[:>`]'));
      let message = '';
      try {
        parseQuery(`${name}:1`);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, name).not.toContain('Unknown filter');
    }
  });
});

describe('query language: SQL', () => {
  const now = Date.UTC(2026, 10, 20, 12);

  it('binds every value as a parameter', () => {
    const c = compileQuery(parseQuery(`host:"x' OR 1=1 --" status:5xx dur>200ms "a\\"b" -route:users after:-15m`), { now });
    expect(c.where).not.toContain("x'");
    expect(c.where).not.toContain('users');
    expect(c.params).toEqual(["x' or 1=1 --", 500, 599, 200, 'users', now - 15 * 60_000, '"a""b"']);
    expect(c.where).not.toContain('a""b');
  });

  it('escapes FTS strings and GLOB metacharacters', () => {
    expect(ftsString('say "hi" NEAR(x) OR y*', false)).toBe('"say ""hi"" NEAR(x) OR y*"');
    expect(ftsString('time', true)).toBe('"time"*');
    expect(globPattern('/a[1]?/*')).toBe('/a[[]1][?]/*');
  });

  it('combines positive free text into one MATCH and keeps negated terms apart', () => {
    const parts = compileParts(parseQuery('alpha "beta gamma" -delta header:x* status:200'), { now });
    expect(parts.filters).toEqual({ where: '(status = ?)', params: [200] });
    expect(parts.text).toEqual([
      { match: '"alpha" AND "beta gamma" AND {headers} : "x"*', negated: false, prefix: true, probeable: false },
      { match: '"delta"', negated: true, prefix: false, probeable: true },
    ]);
    expect(foldNegatives(parts.text)).toEqual([
      { match: '("alpha" AND "beta gamma" AND {headers} : "x"*) NOT ("delta")', negated: false, prefix: true, probeable: false },
    ]);
    const c = compileQuery(parseQuery('alpha -delta -"x y"'), { now });
    expect(c.where).toBe('seq IN (SELECT rowid FROM exchanges_fts WHERE exchanges_fts MATCH ?)');
    expect(c.params).toEqual(['("alpha") NOT ("delta") NOT ("x y")']);
    const negativesOnly = compileQuery(parseQuery('-delta'), { now });
    expect(negativesOnly.where).toBe('NOT seq IN (SELECT rowid FROM exchanges_fts WHERE exchanges_fts MATCH ?)');
    expect(textSql({ match: 'x', negated: true, prefix: false, probeable: true }, 'probe')).toBe(
      'NOT EXISTS (SELECT 1 FROM exchanges_fts WHERE exchanges_fts MATCH ? AND exchanges_fts.rowid = exchanges.seq)',
    );
  });

  it('writes a prefix as the OR of its words when they are given, and as a prefix query when not', () => {
    const asked: string[] = [];
    const prefixWords = (p: string): string[] | null => {
      asked.push(p);
      return p === 'inv' ? ['invoice', 'invoices'] : p === 'none' ? [] : null;
    };
    const parts = compileParts(parseQuery('inv* -header:none* api/v* body:Zzz* plain'), { now, prefixWords });
    expect(asked).toEqual(['inv', 'none', 'api/v', 'Zzz']);
    expect(parts.text).toEqual([
      // Given as words: windowed like any word, but never probed (a probe would seek every word).
      { match: '("invoice" OR "invoices") AND "api/v"* AND {body} : "Zzz"* AND "plain"', negated: false, prefix: true, probeable: false },
      // No words (nothing in the index starts so): left to FTS5, which finds none at once.
      { match: '{headers} : "none"*', negated: true, prefix: true, probeable: false },
    ]);
    const words = compileParts(parseQuery('inv*'), { now, prefixWords }).text;
    expect(words).toEqual([{ match: '("invoice" OR "invoices")', negated: false, prefix: false, probeable: false }]);
  });

  it('produces an always-true clause for an empty query', () => {
    expect(compileQuery(parseQuery(''))).toEqual({ where: '1', params: [] });
  });
});
