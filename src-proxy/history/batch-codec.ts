/**
 * How a batch of records crosses to the writer worker: metadata as structured
 * clone, every body and WebSocket payload copied into ONE fresh ArrayBuffer
 * that is transferred (not cloned) with the message.
 *
 * Why copy instead of transferring the callers' own buffers: transferring
 * detaches them, and capture's Uint8Arrays are often Node Buffers that share
 * the 8 KiB allocation pool with unrelated data, or are still held by the live
 * inspector. One memcpy per batch (a few MB at most) is far cheaper than the
 * structured clone it replaces, and it runs on the batch timer, not in
 * `enqueue`.
 */
import type { CapturedBody, CapturedExchange } from '../capture/captured-exchange.js';

export interface PackedBody {
  /** Offset and length in the batch buffer; length -1 when bytes are null. */
  offset: number;
  length: number;
  size: number;
  truncated: boolean;
  contentType: string | null;
}

export interface PackedWsMessage {
  time: number;
  direction: 'client' | 'upstream';
  opcode: 'text' | 'binary' | 'close' | 'ping' | 'pong';
  offset: number;
  length: number;
  size: number;
  truncated: boolean;
  deflate: 'inflated' | 'compressed' | null;
}

export interface PackedRecord extends Omit<CapturedExchange, 'requestBody' | 'responseBody' | 'websocket'> {
  requestBody: PackedBody;
  responseBody: PackedBody;
  websocket: PackedWsMessage[] | null;
  bodiesDropped: boolean;
}

export interface BatchMessage {
  type: 'batch';
  batchId: number;
  records: PackedRecord[];
  buffer: ArrayBuffer;
}

export interface QueuedRecord {
  record: CapturedExchange;
  dropBodies: boolean;
  /** What the record counts against the queue limits. */
  bytes: number;
}

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

function packBody(body: CapturedBody, drop: boolean, target: Uint8Array | null, at: number): PackedBody {
  const bytes = drop ? null : body.bytes;
  if (bytes === null) return { offset: 0, length: -1, size: body.size, truncated: body.truncated, contentType: body.contentType };
  target!.set(bytes, at);
  return { offset: at, length: bytes.byteLength, size: body.size, truncated: body.truncated, contentType: body.contentType };
}

export function packBatch(batchId: number, queued: readonly QueuedRecord[]): BatchMessage {
  let total = 0;
  for (const q of queued) if (!q.dropBodies) total += payloadBytes(q.record);
  const buffer = new ArrayBuffer(total);
  const target = total > 0 ? new Uint8Array(buffer) : null;
  let at = 0;
  const records: PackedRecord[] = new Array(queued.length);
  for (let i = 0; i < queued.length; i++) {
    const { record, dropBodies } = queued[i];
    const requestBody = packBody(record.requestBody, dropBodies, target, at);
    if (requestBody.length > 0) at += requestBody.length;
    const responseBody = packBody(record.responseBody, dropBodies, target, at);
    if (responseBody.length > 0) at += responseBody.length;
    let websocket: PackedWsMessage[] | null = null;
    if (record.websocket !== null) {
      websocket = record.websocket.map((m) => {
        let offset = 0;
        let length = -1;
        if (!dropBodies) {
          offset = at;
          length = m.data.byteLength;
          target?.set(m.data, at);
          at += length;
        }
        const deflate = m.inflated === true ? 'inflated' : m.compressed === true ? 'compressed' : null;
        return { time: m.time, direction: m.direction, opcode: m.opcode, offset, length, size: m.size, truncated: m.truncated, deflate };
      });
    }
    const hadPayload = record.requestBody.bytes !== null || record.responseBody.bytes !== null || (record.websocket?.length ?? 0) > 0;
    records[i] = { ...record, requestBody, responseBody, websocket, bodiesDropped: dropBodies && hadPayload };
  }
  return { type: 'batch', batchId, records, buffer };
}

/** A zero-copy Buffer view of a packed payload, or null (better-sqlite3 binds Buffers as BLOBs). */
export function payloadView(buffer: ArrayBuffer, offset: number, length: number): Buffer | null {
  return length < 0 ? null : Buffer.from(buffer, offset, length);
}
