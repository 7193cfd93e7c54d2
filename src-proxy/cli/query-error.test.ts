import { describe, expect, it } from 'vitest';
import { parseQuery, QuerySyntaxError } from '../history/query-language.js';
import { printQueryError } from './query-error.js';

function caretUnder(query: string): string[] {
  let printed = '';
  try {
    parseQuery(query);
  } catch (err) {
    if (!(err instanceof QuerySyntaxError)) throw err;
    printQueryError({ out: () => undefined, err: (line) => (printed += line) }, query, err);
  }
  return printed.split('\n').slice(1);
}

describe('printQueryError', () => {
  it('puts the caret under the fault after wide characters, combining marks and astral ones', () => {
    expect(caretUnder('host:日本 status:5x')).toEqual(['  host:日本 status:5x', `  ${' '.repeat(17)}^^`]);
    expect(caretUnder('status:5x')).toEqual(['  status:5x', '         ^^']);
    // "é" as e + U+0301 is one column; 😀 (one code point, two UTF-16 units) is two.
    expect(caretUnder('host:e\u0301 status:5x')[1]).toBe(`  ${' '.repeat(14)}^^`);
    expect(caretUnder('host:😀 status:5x')[1]).toBe(`  ${' '.repeat(15)}^^`);
    // A wide offending token gets a caret per column.
    expect(caretUnder('status:五')[1]).toBe(`  ${' '.repeat(7)}^^`);
  });
});
