/**
 * The engine child's event stream (`GET /api/events`, a WebSocket), read by
 * main and handed on batch by batch: each message is already a JSON array of
 * events, batched by the child, so it is forwarded as the same text. The token
 * travels as the `switchyard.token.<token>` sub-protocol, not in the URL.
 */
import WebSocket from 'ws';
import { TOKEN_PROTOCOL_PREFIX } from '../headless/auth.js';

const RECONNECT_MS = 500;

export interface EngineEventStream {
  close(): void;
}

/**
 * Connects to `<api>/api/events` and calls `onBatch` with every message until
 * closed. A connection that drops while the stream is open is retried (the
 * child may be busy); when the child itself exits, its owner closes the stream.
 */
export function openEngineEvents(api: string, token: string, onBatch: (batch: string) => void): EngineEventStream {
  // The coalesced stream: it only feeds the workbench (see event-batcher.ts).
  const url = api.replace(/^http/, 'ws') + '/api/events?coalesce=1';
  let closed = false;
  let socket: WebSocket | null = null;
  let retry: NodeJS.Timeout | null = null;

  const connect = () => {
    const ws = new WebSocket(url, [TOKEN_PROTOCOL_PREFIX + token], { perMessageDeflate: false });
    socket = ws;
    ws.on('message', (data, isBinary) => {
      // binaryType is 'nodebuffer': a message (fragments joined) is one Buffer.
      if (!isBinary) onBatch((data as Buffer).toString('utf8'));
    });
    ws.on('error', () => undefined);
    ws.once('close', () => {
      if (closed || socket !== ws) return;
      socket = null;
      retry = setTimeout(connect, RECONNECT_MS);
      retry.unref();
    });
  };
  connect();

  return {
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      socket?.terminate();
      socket = null;
    },
  };
}
