/**
 * How a batch of records crosses to the writer worker.
 *
 * Columns, not objects: the fixed fields of all records go into one
 * Float64Array (numbers, booleans as flag bits) and one string with the ends
 * of its parts in an Int32Array, at a fixed stride per record; header lists
 * go as their stored text
 * (`header-text.ts`); only the rare parts (policy decisions, an error, TLS
 * details, WebSocket messages) go as objects. Structured clone writes every
 * property name of every object, and the worker had to rebuild each object
 * from them: as objects a record cost ~8 µs to pack and serialise on the
 * gateway's thread and ~14 µs to deserialise and stringify on the writer's;
 * as columns ~5 and ~5 (500-record batches of 1–4 KiB bodies).
 *
 * Every body and WebSocket payload is copied into ONE fresh ArrayBuffer that
 * is transferred (not cloned) with the message. Why copy instead of
 * transferring the callers' own buffers: transferring detaches them, and
 * capture's Uint8Arrays are often Node Buffers that share the 8 KiB allocation
 * pool with unrelated data, or are still held by the live inspector. One
 * memcpy per batch (a few MB at most) runs on the batch timer, not in
 * `enqueue`.
 */
import type { CapturedExchange, PolicyDecision } from '../capture/captured-exchange.js';
import type { TimingPhases } from '../events.js';
import type { TlsConnectionInfo } from '../tls/connection-info.js';
import { encodeHeaders } from './header-text.js';

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

/** One record as the worker reads it back from a batch (`unpackRecord`). */
export interface PackedRecord
  extends Omit<CapturedExchange, 'requestBody' | 'responseBody' | 'websocket' | 'requestHeaders' | 'responseHeaders' | 'tls' | 'intercepted'> {
  /** The stored header text (`header-text.ts`). */
  requestHeaders: string;
  responseHeaders: string;
  requestBody: PackedBody;
  responseBody: PackedBody;
  tls: TlsConnectionInfo | null;
  intercepted: boolean;
  websocket: PackedWsMessage[] | null;
  bodiesDropped: boolean;
}

/** The parts most records lack, sent as objects. */
interface RecordExtras {
  policies: PolicyDecision[];
  error: { code: string; message: string } | null;
  tls: TlsConnectionInfo | null;
  websocket: PackedWsMessage[] | null;
}

export interface BatchMessage {
  type: 'batch';
  batchId: number;
  count: number;
  /** NUMBER_COUNT per record, in the order of `N`. */
  numbers: Float64Array;
  /** Every string of every record, one after the other (see `stringAt`). */
  text: string;
  /** STRING_COUNT per record, in the order of `S`: where each string ends in `text`, or -(end + 1) for a null. */
  stringEnds: Int32Array;
  extras: (RecordExtras | null)[];
  buffer: ArrayBuffer;
}

/** Column of each number in a record's stretch of `numbers`. */
const N = {
  startedAt: 0, duration: 1, clientPort: 2, attempts: 3, status: 4,
  queue: 5, connect: 6, ttfb: 7, total: 8, tls: 9,
  reqOffset: 10, reqLength: 11, reqSize: 12, resOffset: 13, resLength: 14, resSize: 15,
  flags: 16,
} as const;
const NUMBER_COUNT = 17;
const Flag = { aborted: 1, reqTruncated: 2, resTruncated: 4, intercepted: 8, bodiesDropped: 16 } as const;

/** Column of each string in a record's stretch of `stringEnds`. */
const S = {
  id: 0, requestId: 1, clientAddress: 2, listener: 3, scheme: 4, httpVersion: 5, method: 6, host: 7, url: 8,
  route: 9, upstream: 10, target: 11, reqContentType: 12, resContentType: 13, replayOf: 14, source: 15,
  reqHeaders: 16, resHeaders: 17,
} as const;
const STRING_COUNT = 18;

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

export function packBatch(batchId: number, queued: readonly QueuedRecord[]): BatchMessage {
  const count = queued.length;
  let total = 0;
  for (const q of queued) if (!q.dropBodies) total += payloadBytes(q.record);
  const buffer = new ArrayBuffer(total);
  const target = total > 0 ? new Uint8Array(buffer) : null;
  let at = 0;
  /** Copies a payload into the buffer; returns its offset, or -1 when not kept. */
  const put = (bytes: Uint8Array | null): number => {
    if (bytes === null) return -1;
    const offset = at;
    // An empty payload is kept (as an empty BLOB) even when the batch has no buffer to copy into.
    if (bytes.byteLength > 0) target!.set(bytes, at);
    at += bytes.byteLength;
    return offset;
  };
  const numbers = new Float64Array(count * NUMBER_COUNT);
  // One string for the batch instead of an array of them: structured clone
  // writes each string of an array apart (~0.1 µs each, 18 per record).
  let text = '';
  const stringEnds = new Int32Array(count * STRING_COUNT);
  const str = (k: number, value: string | null): void => {
    if (value !== null) text += value;
    stringEnds[k] = value === null ? -text.length - 1 : text.length;
  };
  const extras: (RecordExtras | null)[] = new Array<RecordExtras | null>(count);
  for (let i = 0; i < count; i++) {
    const { record: r, dropBodies } = queued[i];
    const n = i * NUMBER_COUNT;
    const s = i * STRING_COUNT;
    const req = dropBodies ? null : r.requestBody.bytes;
    const res = dropBodies ? null : r.responseBody.bytes;
    numbers[n + N.startedAt] = r.startedAt;
    numbers[n + N.duration] = r.duration;
    numbers[n + N.clientPort] = r.clientPort;
    numbers[n + N.attempts] = r.attempts;
    numbers[n + N.status] = r.status;
    numbers[n + N.queue] = r.timings.queue;
    numbers[n + N.connect] = r.timings.connect;
    numbers[n + N.ttfb] = r.timings.ttfb;
    numbers[n + N.total] = r.timings.total;
    numbers[n + N.tls] = r.timings.tls ?? Number.NaN;
    numbers[n + N.reqOffset] = put(req);
    numbers[n + N.reqLength] = req === null ? -1 : req.byteLength;
    numbers[n + N.reqSize] = r.requestBody.size;
    numbers[n + N.resOffset] = put(res);
    numbers[n + N.resLength] = res === null ? -1 : res.byteLength;
    numbers[n + N.resSize] = r.responseBody.size;
    let websocket: PackedWsMessage[] | null = null;
    if (r.websocket !== null) {
      websocket = r.websocket.map((m) => {
        const offset = dropBodies ? -1 : put(m.data);
        const deflate = m.inflated === true ? 'inflated' : m.compressed === true ? 'compressed' : null;
        return { time: m.time, direction: m.direction, opcode: m.opcode, offset, length: offset < 0 ? -1 : m.data.byteLength, size: m.size, truncated: m.truncated, deflate };
      });
    }
    const hadPayload = r.requestBody.bytes !== null || r.responseBody.bytes !== null || (r.websocket?.length ?? 0) > 0;
    numbers[n + N.flags] =
      (r.aborted ? Flag.aborted : 0) |
      (r.requestBody.truncated ? Flag.reqTruncated : 0) |
      (r.responseBody.truncated ? Flag.resTruncated : 0) |
      (r.intercepted === true ? Flag.intercepted : 0) |
      (dropBodies && hadPayload ? Flag.bodiesDropped : 0);
    str(s + S.id, r.id);
    str(s + S.requestId, r.requestId);
    str(s + S.clientAddress, r.clientAddress);
    str(s + S.listener, r.listener);
    str(s + S.scheme, r.scheme);
    str(s + S.httpVersion, r.httpVersion);
    str(s + S.method, r.method);
    str(s + S.host, r.host);
    str(s + S.url, r.url);
    str(s + S.route, r.route);
    str(s + S.upstream, r.upstream);
    str(s + S.target, r.target);
    str(s + S.reqContentType, r.requestBody.contentType);
    str(s + S.resContentType, r.responseBody.contentType);
    str(s + S.replayOf, r.replayOf);
    str(s + S.source, r.source);
    str(s + S.reqHeaders, encodeHeaders(r.requestHeaders));
    str(s + S.resHeaders, encodeHeaders(r.responseHeaders));
    extras[i] =
      r.policies.length > 0 || r.error !== null || r.tls !== undefined || websocket !== null
        ? { policies: r.policies, error: r.error, tls: r.tls ?? null, websocket }
        : null;
  }
  return { type: 'batch', batchId, count, numbers, text, stringEnds, extras, buffer };
}

/** Record `i` of a batch, on the worker. */
export function unpackRecord(batch: BatchMessage, i: number): PackedRecord {
  const num = batch.numbers;
  const str = (k: number) => stringAt(batch, k) as string;
  const strOrNull = (k: number) => stringAt(batch, k);
  const n = i * NUMBER_COUNT;
  const s = i * STRING_COUNT;
  const flags = num[n + N.flags];
  const tls = num[n + N.tls];
  const timings: TimingPhases = { queue: num[n + N.queue], connect: num[n + N.connect], ttfb: num[n + N.ttfb], total: num[n + N.total] };
  if (!Number.isNaN(tls)) timings.tls = tls;
  const extras = batch.extras[i];
  return {
    id: str(s + S.id),
    requestId: str(s + S.requestId),
    startedAt: num[n + N.startedAt],
    duration: num[n + N.duration],
    timings,
    clientAddress: str(s + S.clientAddress),
    clientPort: num[n + N.clientPort],
    listener: str(s + S.listener),
    scheme: str(s + S.scheme),
    intercepted: (flags & Flag.intercepted) !== 0,
    tls: extras?.tls ?? null,
    httpVersion: str(s + S.httpVersion),
    method: str(s + S.method),
    host: str(s + S.host),
    url: str(s + S.url),
    route: strOrNull(s + S.route),
    upstream: strOrNull(s + S.upstream),
    target: strOrNull(s + S.target),
    attempts: num[n + N.attempts],
    status: num[n + N.status],
    requestHeaders: str(s + S.reqHeaders),
    responseHeaders: str(s + S.resHeaders),
    requestBody: {
      offset: num[n + N.reqOffset],
      length: num[n + N.reqLength],
      size: num[n + N.reqSize],
      truncated: (flags & Flag.reqTruncated) !== 0,
      contentType: strOrNull(s + S.reqContentType),
    },
    responseBody: {
      offset: num[n + N.resOffset],
      length: num[n + N.resLength],
      size: num[n + N.resSize],
      truncated: (flags & Flag.resTruncated) !== 0,
      contentType: strOrNull(s + S.resContentType),
    },
    policies: extras?.policies ?? [],
    error: extras?.error ?? null,
    aborted: (flags & Flag.aborted) !== 0,
    websocket: extras?.websocket ?? null,
    replayOf: strOrNull(s + S.replayOf),
    source: str(s + S.source) as PackedRecord['source'],
    bodiesDropped: (flags & Flag.bodiesDropped) !== 0,
  };
}

/** String `k` of a batch (record i's are at i × STRING_COUNT + S.…). */
function stringAt(batch: BatchMessage, k: number): string | null {
  const end = batch.stringEnds[k];
  if (end < 0) return null;
  const previous = k === 0 ? 0 : batch.stringEnds[k - 1];
  return batch.text.slice(previous < 0 ? -previous - 1 : previous, end);
}

/** A zero-copy Buffer view of a packed payload, or null (better-sqlite3 binds Buffers as BLOBs). */
export function payloadView(buffer: ArrayBuffer, offset: number, length: number): Buffer | null {
  return length < 0 ? null : Buffer.from(buffer, offset, length);
}
