/** Rows as SQLite returns them for the exchanges, bodies and ws_messages tables, and their mapping to the public types. */
import type { CapturedBody, CapturedExchange, WebSocketMessage } from '../capture/captured-exchange.js';
import type { ExchangeSummary } from './types.js';

export const SUMMARY_COLUMNS = `id, request_id, started_at, method, scheme, host, path, url, status, route, upstream, target,
  client, listener, duration, req_size, res_size, cache_status, error_code, attempts, source, replay_of,
  aborted, truncated, bodies_dropped, ws_count, bytes`;

export interface SummaryRow {
  id: string;
  request_id: string;
  started_at: number;
  method: string;
  scheme: string;
  host: string;
  path: string;
  url: string;
  status: number;
  route: string | null;
  upstream: string | null;
  target: string | null;
  client: string;
  listener: string;
  duration: number;
  req_size: number;
  res_size: number;
  cache_status: string | null;
  error_code: string | null;
  attempts: number;
  source: CapturedExchange['source'];
  replay_of: string | null;
  aborted: number;
  truncated: number;
  bodies_dropped: number;
  ws_count: number | null;
  bytes: number;
}

export interface FullRow extends SummaryRow {
  seq: number;
  http_version: string;
  client_port: number;
  /** `header-text.ts`: LF-joined, or a JSON array (rows before schema 5, lists that do not join). */
  req_headers: string;
  res_headers: string;
  timings: string;
  policies: string;
  error: string | null;
  /** JSON of TlsConnectionInfo; null for plain HTTP and rows from before schema 2. */
  tls: string | null;
  intercepted: number;
}

export interface BodyRow {
  kind: 'req' | 'res';
  bytes: Buffer | null;
  size: number;
  truncated: number;
  content_type: string | null;
}

export interface WsRow {
  time: number;
  direction: WebSocketMessage['direction'];
  opcode: WebSocketMessage['opcode'];
  data: Buffer | null;
  size: number;
  truncated: number;
  /** permessage-deflate: 'inflated' (stored decoded), 'compressed' (stored as sent), or null. */
  deflate: 'inflated' | 'compressed' | null;
}

export function toSummary(r: SummaryRow): ExchangeSummary {
  return {
    id: r.id,
    requestId: r.request_id,
    startedAt: r.started_at,
    method: r.method,
    scheme: r.scheme,
    host: r.host,
    path: r.path,
    url: r.url,
    status: r.status,
    route: r.route,
    upstream: r.upstream,
    target: r.target,
    client: r.client,
    listener: r.listener,
    duration: r.duration,
    reqSize: r.req_size,
    resSize: r.res_size,
    cacheStatus: r.cache_status,
    errorCode: r.error_code,
    attempts: r.attempts,
    source: r.source,
    replayOf: r.replay_of,
    aborted: r.aborted === 1,
    truncated: r.truncated === 1,
    bodiesDropped: r.bodies_dropped === 1,
    wsMessages: r.ws_count,
    bytes: r.bytes,
  };
}

export const asBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export function toBody(row: BodyRow | undefined): CapturedBody {
  if (row === undefined) return { bytes: null, size: 0, truncated: false, contentType: null };
  return { bytes: row.bytes === null ? null : asBytes(row.bytes), size: row.size, truncated: row.truncated === 1, contentType: row.content_type };
}
