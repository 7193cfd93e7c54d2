/** The history query's syntax tree, and the error a bad query gets (with where it is wrong). */

export class QuerySyntaxError extends Error {
  override readonly name = 'QuerySyntaxError';
  constructor(
    message: string,
    /** 0-based offset of the offending token in the query. */
    readonly position: number,
    /** Length of the offending token (at least 1, except at the end of an empty query). */
    readonly length: number,
  ) {
    super(message);
  }
}

export type CompareOp = '=' | '>' | '>=' | '<' | '<=';

export type MatchField =
  | 'method'
  | 'scheme'
  | 'host'
  | 'path'
  | 'route'
  | 'upstream'
  | 'target'
  | 'client'
  | 'listener'
  | 'id'
  | 'requestId'
  | 'replayOf'
  | 'errorCode'
  | 'cache'
  | 'source';

export type NumberField = 'status' | 'duration' | 'resSize' | 'reqSize' | 'attempts';
export type TextColumn = 'url' | 'headers' | 'body';
export type Flag = 'error' | 'aborted' | 'truncated' | 'websocket' | 'dropped' | 'replay' | 'imported' | 'live' | 'intercepted';
export type TimeValue = { absolute: number } | { relativeMs: number };

export type QueryTermBody =
  /** Free text (a word or phrase); `prefix`: its last word is a prefix (written `word*`). */
  | { kind: 'text'; text: string; prefix: boolean; column: TextColumn | null }
  /** A text field equal to `value`, where `*` in value is a wildcard. */
  | { kind: 'match'; field: MatchField; value: string }
  | { kind: 'compare'; field: NumberField; op: CompareOp; value: number }
  /** status:4xx → 400..499 */
  | { kind: 'statusClass'; min: number; max: number }
  | { kind: 'time'; bound: 'after' | 'before'; at: TimeValue }
  | { kind: 'flag'; flag: Flag };

export type QueryTerm = QueryTermBody & {
  negated: boolean;
  /** Where the term (including its `-`) starts in the query, and its length. */
  position: number;
  length: number;
};

export interface QueryAst {
  source: string;
  terms: QueryTerm[];
}
