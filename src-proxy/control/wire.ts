/**
 * JSON-safe shapes of captured exchanges for the control API: body bytes
 * travel as base64 (both transports carry JSON).
 */
import type { CapturedBody, CapturedExchange, WebSocketMessage } from '../capture/captured-exchange.js';
import { readableBodyAsync } from '../capture/content-coding.js';

/**
 * The bytes as they went over the wire; with a Content-Encoding, also what
 * they decode to (bounded: see MAX_DECODED) or why they do not.
 */
export type WireBody = Omit<CapturedBody, 'bytes'> & { base64: string | null; decoded?: WireDecoded };
/** `cut`: the decoded text is only the start of the body (the capture cut it, or the transfer ended early). */
export type WireDecoded = { codings: string[]; base64: string; size: number; cut: boolean } | { codings: string[]; error: string };
export type WireWebSocketMessage = Omit<WebSocketMessage, 'data'> & { base64: string };
export type WireExchange = Omit<CapturedExchange, 'requestBody' | 'responseBody' | 'websocket'> & {
  requestBody: WireBody;
  responseBody: WireBody;
  websocket: WireWebSocketMessage[] | null;
  bodiesDropped?: boolean;
};

const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

async function wireBody(body: CapturedBody, headers: readonly string[]): Promise<WireBody> {
  const { bytes, ...rest } = body;
  const wire: WireBody = { ...rest, base64: bytes === null ? null : b64(bytes) };
  const readable = await readableBodyAsync(body, headers);
  if (readable.codings.length > 0) {
    const { codings, error, cut } = readable;
    wire.decoded = error === null ? { codings, base64: b64(readable.body.bytes!), size: readable.body.size, cut } : { codings, error };
  }
  return wire;
}

/** Async: decoding a content-encoded body runs in zlib's thread pool, never on the gateway's event loop. */
export async function toWire(x: CapturedExchange & { bodiesDropped?: boolean }): Promise<WireExchange> {
  return {
    ...x,
    requestBody: await wireBody(x.requestBody, x.requestHeaders),
    responseBody: await wireBody(x.responseBody, x.responseHeaders),
    websocket: x.websocket === null ? null : x.websocket.map(({ data, ...m }) => ({ ...m, base64: b64(data) })),
  };
}
