/**
 * JSON-safe shapes of captured exchanges for the control API: body bytes
 * travel as base64 (both transports carry JSON).
 */
import type { CapturedBody, CapturedExchange, WebSocketMessage } from '../capture/captured-exchange.js';

export type WireBody = Omit<CapturedBody, 'bytes'> & { base64: string | null };
export type WireWebSocketMessage = Omit<WebSocketMessage, 'data'> & { base64: string };
export type WireExchange = Omit<CapturedExchange, 'requestBody' | 'responseBody' | 'websocket'> & {
  requestBody: WireBody;
  responseBody: WireBody;
  websocket: WireWebSocketMessage[] | null;
  bodiesDropped?: boolean;
};

const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function wireBody(body: CapturedBody): WireBody {
  const { bytes, ...rest } = body;
  return { ...rest, base64: bytes === null ? null : b64(bytes) };
}

export function toWire(x: CapturedExchange & { bodiesDropped?: boolean }): WireExchange {
  return {
    ...x,
    requestBody: wireBody(x.requestBody),
    responseBody: wireBody(x.responseBody),
    websocket: x.websocket === null ? null : x.websocket.map(({ data, ...m }) => ({ ...m, base64: b64(data) })),
  };
}
