/**
 * Inserting a packed batch: exchanges, bodies and WebSocket messages in one
 * transaction. The FTS index is filled afterwards by `fts-indexer.ts`.
 */
import type { HistoryDatabase } from './database.js';
import { type BatchMessage, type PackedBody, type PackedRecord, payloadView, unpackRecord } from './batch-codec.js';
import { isTextualContentType } from './fts-text.js';
import type { PolicyDecision } from '../capture/captured-exchange.js';

/** Path without query or fragment (absolute-form request targets lose scheme and authority). */
export function pathOf(url: string): string {
  let u = url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(u);
  if (scheme !== null) {
    const slash = u.indexOf('/', scheme[0].length);
    u = slash < 0 ? '/' : u.slice(slash);
  }
  const end = u.search(/[?#]/);
  return end < 0 ? u : u.slice(0, end);
}

/** The cache policy's verdict (HIT, MISS, STALE, BYPASS…), upper case, or null. */
export function cacheStatusOf(policies: readonly PolicyDecision[]): string | null {
  for (const p of policies) if (p.type === 'cache') return p.outcome.toUpperCase();
  return null;
}

/**
 * Calibrated on the benchmark's JSON API traffic (1M rows: estimate within a
 * few % of file size / rows): FTS index bytes per byte of indexed text, and a
 * fixed per-row cost for the index entries, row headers and page slack.
 */
const FTS_COST = 1.0;
const ROW_OVERHEAD = 600;

export interface BatchResult {
  inserted: number;
  duplicates: number;
  bytes: number;
}

export type BatchInserter = (batch: BatchMessage) => BatchResult;

/** `now` stamps imported rows with their import time (age retention counts from it). */
export function createBatchInserter(db: HistoryDatabase, now: () => number = Date.now): BatchInserter {
  const insertExchange = db.prepare(`
    INSERT INTO exchanges (
      id, request_id, started_at, method, scheme, http_version, host, path, url, status,
      route, upstream, target, client, client_port, listener, duration, req_size, res_size,
      cache_status, error_code, attempts, source, replay_of, aborted, truncated, bodies_dropped,
      ws_count, req_headers, res_headers, timings, policies, error, bytes, tls, intercepted, imported_at
    ) VALUES (${new Array(37).fill('?').join(', ')}) ON CONFLICT (id) DO NOTHING`);
  const insertBody = db.prepare(
    'INSERT INTO bodies (exchange_seq, kind, bytes, size, truncated, content_type) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertWs = db.prepare(
    'INSERT INTO ws_messages (exchange_seq, idx, time, direction, opcode, data, size, truncated, deflate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const addTotals = db.prepare('UPDATE history_state SET rows = rows + ?, bytes = bytes + ? WHERE id = 1');

  const storeBody = (seq: number | bigint, kind: 'req' | 'res', body: PackedBody, bytes: Buffer | null): void => {
    if (bytes !== null || body.size > 0 || body.contentType !== null || body.truncated) {
      insertBody.run(seq, kind, bytes, body.size, body.truncated ? 1 : 0, body.contentType);
    }
  };

  const insertOne = (r: PackedRecord, buffer: ArrayBuffer, insertedAt: number): number => {
    const timings = JSON.stringify(r.timings);
    const policies = JSON.stringify(r.policies);
    const error = r.error === null ? null : JSON.stringify(r.error);
    const reqBody = payloadView(buffer, r.requestBody.offset, r.requestBody.length);
    const resBody = payloadView(buffer, r.responseBody.offset, r.responseBody.length);
    const reqLength = Math.max(0, r.requestBody.length);
    const resLength = Math.max(0, r.responseBody.length);
    let wsBytes = 0;
    let wsText = 0;
    if (r.websocket !== null) {
      for (const m of r.websocket) {
        wsBytes += Math.max(0, m.length) + 40;
        if (m.opcode === 'text') wsText += Math.max(0, m.length);
      }
    }
    // Approximate on-disk cost: metadata and header text, bodies, WebSocket
    // payloads, and the FTS index (roughly proportional to the indexed text).
    const indexedText =
      r.host.length + r.url.length + r.requestHeaders.length + r.responseHeaders.length + wsText +
      (isTextualContentType(r.requestBody.contentType) ? reqLength : 0) +
      (isTextualContentType(r.responseBody.contentType) ? resLength : 0);
    const bytes =
      ROW_OVERHEAD +
      r.id.length + r.requestId.length + r.host.length + r.url.length * 2 + (r.route?.length ?? 0) +
      (r.upstream?.length ?? 0) + (r.target?.length ?? 0) + r.clientAddress.length + r.listener.length +
      r.requestHeaders.length + r.responseHeaders.length + timings.length + policies.length + (error?.length ?? 0) +
      reqLength + resLength + wsBytes + Math.round(indexedText * FTS_COST);
    // Positional parameters, in the column order above (faster to bind than named ones).
    const info = insertExchange.run(
      r.id,
      r.requestId,
      Math.trunc(r.startedAt),
      r.method.toUpperCase(),
      r.scheme,
      r.httpVersion,
      r.host.toLowerCase(),
      pathOf(r.url),
      r.url,
      r.status,
      r.route,
      r.upstream,
      r.target,
      r.clientAddress,
      r.clientPort,
      r.listener,
      r.duration,
      r.requestBody.size,
      r.responseBody.size,
      cacheStatusOf(r.policies),
      r.error?.code ?? null,
      r.attempts,
      r.source,
      r.replayOf,
      r.aborted ? 1 : 0,
      r.requestBody.truncated || r.responseBody.truncated ? 1 : 0,
      r.bodiesDropped ? 1 : 0,
      r.websocket === null ? null : r.websocket.length,
      r.requestHeaders,
      r.responseHeaders,
      timings,
      policies,
      error,
      bytes,
      r.tls === null ? null : JSON.stringify(r.tls),
      r.intercepted ? 1 : 0,
      r.source === 'import' ? insertedAt : null,
    );
    if (info.changes === 0) return -1;
    const seq = info.lastInsertRowid;
    storeBody(seq, 'req', r.requestBody, reqBody);
    storeBody(seq, 'res', r.responseBody, resBody);
    if (r.websocket !== null) {
      r.websocket.forEach((m, i) => {
        insertWs.run(seq, i, m.time, m.direction, m.opcode, payloadView(buffer, m.offset, m.length), m.size, m.truncated ? 1 : 0, m.deflate);
      });
    }
    return bytes;
  };

  return db.transaction((batch: BatchMessage): BatchResult => {
    let inserted = 0;
    let duplicates = 0;
    let bytes = 0;
    const insertedAt = Math.trunc(now());
    for (let i = 0; i < batch.count; i++) {
      const b = insertOne(unpackRecord(batch, i), batch.buffer, insertedAt);
      if (b < 0) duplicates++;
      else {
        inserted++;
        bytes += b;
      }
    }
    if (inserted > 0) addTotals.run(inserted, bytes);
    return { inserted, duplicates, bytes };
  }) as BatchInserter;
}
