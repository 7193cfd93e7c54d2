/**
 * Cheap estimates of what a captured record weighs, for the limits that keep
 * memory bounded: the history writer's queue and in-memory HAR exports.
 */
import type { CapturedExchange } from './captured-exchange.js';

/** Body and WebSocket payload bytes a record carries. */
export function payloadBytes(record: CapturedExchange): number {
  let n = (record.requestBody.bytes?.byteLength ?? 0) + (record.responseBody.bytes?.byteLength ?? 0);
  if (record.websocket !== null) for (const m of record.websocket) n += m.data.byteLength;
  return n;
}

function stringsLength(list: readonly string[]): number {
  let n = 0;
  for (const s of list) n += s.length + 4;
  return n;
}

/** A cheap estimate of a record's metadata bytes (strings, headers, fixed fields). */
export function metadataBytes(record: CapturedExchange): number {
  return (
    200 +
    record.url.length * 2 +
    record.host.length +
    (record.route?.length ?? 0) +
    (record.upstream?.length ?? 0) +
    (record.target?.length ?? 0) +
    stringsLength(record.requestHeaders) +
    stringsLength(record.responseHeaders) +
    record.policies.length * 48 +
    (record.error === null ? 0 : record.error.message.length + 32) +
    (record.websocket === null ? 0 : record.websocket.length * 48)
  );
}
