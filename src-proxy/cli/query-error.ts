import type { QuerySyntaxError } from '../history/query-language.js';
import type { CliIO } from './io.js';

/** The error, the query, and a caret line under the part at fault. */
export function printQueryError(io: CliIO, query: string, err: QuerySyntaxError): void {
  io.err(`query error: ${err.message}\n  ${query}\n  ${' '.repeat(err.position)}${'^'.repeat(Math.max(1, err.length))}`);
}
