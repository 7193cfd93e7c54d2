/** Queries a demanding user (or a fuzzer) types: FTS5 syntax as plain words, and absurd sizes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { History } from '../../src-proxy/history/history.js';
import { QuerySyntaxError } from '../../src-proxy/history/query-language.js';
import { makeExchange, tempDir, textBody } from './fixtures.js';

const t = tempDir();
let history: History;
const TEXTS = ['hello AND world', 'a OR b', 'NEAR(a b)', 'x^y', 'say "hi" now', 'naïve café 日本語', 'NOT this'];
beforeAll(async () => {
  history = await History.open({ dataDir: t.dir });
  TEXTS.forEach((text, n) => history.record(makeExchange(n, { responseBody: textBody(JSON.stringify({ text })) })));
  await history.flush({ index: true });
});
afterAll(async () => {
  await history?.close();
  t.cleanup();
});

const count = (q: string) => history.store.count(q);
const error = (q: string): QuerySyntaxError => {
  try {
    history.store.count(q);
  } catch (e) {
    if (e instanceof QuerySyntaxError) return e;
    throw e;
  }
  throw new Error(`"${q.slice(0, 40)}" was accepted`);
};

describe('query language, adversarial', () => {
  it('FTS5 operators are plain words, never syntax', () => {
    expect(count('AND')).toBe(1);
    expect(count('OR')).toBe(1);
    expect(count('NEAR(a')).toBe(1);
    expect(count('NOT')).toBe(1);
    expect(count('x^y')).toBe(1);
    expect(count('"say \\"hi\\" now"')).toBe(1);
    expect(count('CAFÉ 日本語')).toBe(1);
    for (const q of ['*', '^', '(', ')', ':']) expect(error(q).message).toMatch(/at least one letter or digit/);
    expect(error('-')).toMatchObject({ position: 0, length: 1 });
  });

  it('refuses a query with too many terms with a position, instead of failing inside SQLite', async () => {
    const q = 'host:a '.repeat(300);
    expect(error(q)).toMatchObject({ message: 'A query has at most 256 terms', position: 256 * 7, length: 6 });
    await expect(history.reader.search({ query: '-word '.repeat(300), limit: 5 })).rejects.toBeInstanceOf(QuerySyntaxError);
    expect(count('host:api.localhost '.repeat(256).trim())).toBe(TEXTS.length);
  });

  it('refuses more than 64 words of search text (a 1,000-word phrase took seconds and held up every other search)', () => {
    const phrase = `"${Array(65).fill('x').join(' ')}"`;
    expect(error(`status:200 ${phrase}`)).toMatchObject({ message: 'A query has at most 64 words of search text', position: 11, length: phrase.length });
    // Words across terms count together: prefixes, negations and column scopes too.
    const terms = [...Array(32).fill('a*'), ...Array(32).fill('-b'), 'body:c'].join(' ');
    expect(error(terms)).toMatchObject({ position: terms.length - 1, length: 1 });
    expect(count(`"${Array(64).fill('x').join(' ')}"`)).toBe(0);
    // Punctuation is not a word.
    expect(count(`"${Array(64).fill('x').join(' - ')}"`)).toBe(0);
  });
});
