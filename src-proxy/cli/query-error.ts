import type { QuerySyntaxError } from '../history/query-language.js';
import { displayWidth } from './display-width.js';
import type { CliIO } from './io.js';

/** The error, the query, and a caret line under the part at fault (in columns, not UTF-16 units). */
export function printQueryError(io: CliIO, query: string, err: QuerySyntaxError): void {
  const indent = displayWidth(query.slice(0, err.position));
  const carets = Math.max(1, displayWidth(query.slice(err.position, err.position + err.length)));
  io.err(`query error: ${err.message}\n  ${query}\n  ${' '.repeat(indent)}${'^'.repeat(carets)}`);
}
