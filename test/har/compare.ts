/** Record comparison for HAR round trips: bytes as hex, ids and source left out. */
import type { CapturedBody, CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';

const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));
const body = (b: CapturedBody) => ({ ...b, bytes: hex(b.bytes) });

/** A record as plain data, without what an import changes by design (id, source) and store-only fields. */
export function comparable(x: CapturedExchange): Record<string, unknown> {
  const { id: _id, source: _source, ...rest } = x as CapturedExchange & { bodiesDropped?: boolean };
  delete (rest as { bodiesDropped?: boolean }).bodiesDropped;
  return {
    ...rest,
    requestBody: body(x.requestBody),
    responseBody: body(x.responseBody),
    websocket: x.websocket === null ? null : x.websocket.map((m) => ({ ...m, data: hex(m.data) })),
  };
}
