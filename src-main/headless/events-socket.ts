/**
 * `GET /api/events`: the engine's events over a WebSocket, in batches
 * (see ../shared/event-batcher.ts for batching and slow-client handling).
 * `?coalesce=1` asks for the coalesced stream the workbench reads (progress
 * events superseded by their exchange's completion in the same batch left out).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { EventBatcher, type BatchOptions, type EventSource } from '../shared/event-batcher.js';
import { TOKEN_PROTOCOL_PREFIX } from './auth.js';

// The batcher is shared with the Electron host; re-exported for existing importers.
export { EventBatcher, type BatchOptions, type EventSink, type EventSource } from '../shared/event-batcher.js';

export interface EventsSocketOptions extends BatchOptions {
  /** Connected clients beyond this are refused (503). */
  maxClients?: number;
}

/** The WebSocket side: upgrades already-authorised requests and feeds them from a batcher per stream kind. */
export class EventsSocket {
  private readonly wss: WebSocketServer;
  private readonly fullStream: EventBatcher;
  private readonly coalescedStream: EventBatcher;
  readonly maxClients: number;

  constructor(source: EventSource, opts: EventsSocketOptions = {}) {
    this.fullStream = new EventBatcher(source, { ...opts, coalesce: false });
    this.coalescedStream = new EventBatcher(source, { ...opts, coalesce: true });
    this.maxClients = opts.maxClients ?? 32;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: true,
      perMessageDeflate: false,
      // Clients have nothing to say on this stream.
      maxPayload: 4096,
      // Echo the token sub-protocol the browser offered: it fails the connection otherwise.
      handleProtocols: (protocols) => {
        for (const p of protocols) if (p.startsWith(TOKEN_PROTOCOL_PREFIX)) return p;
        return false;
      },
    });
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  get full(): boolean {
    return this.wss.clients.size >= this.maxClients;
  }

  /** True while the EventBus is subscribed. */
  get subscribed(): boolean {
    return this.fullStream.subscribed || this.coalescedStream.subscribed;
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const coalesce = new URL(req.url ?? '/', 'http://localhost').searchParams.get('coalesce') === '1';
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, coalesce ? this.coalescedStream : this.fullStream));
  }

  private attach(ws: WebSocket, batcher: EventBatcher): void {
    batcher.add(ws);
    ws.on('error', () => undefined);
    ws.on('message', () => undefined);
    ws.once('close', () => batcher.remove(ws));
  }

  /** Closes every client (1001 going away), waiting briefly for the close handshakes. */
  async close(graceMs = 1000): Promise<void> {
    this.fullStream.close();
    this.coalescedStream.close();
    const clients = [...this.wss.clients];
    await Promise.all(
      clients.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            const timer = setTimeout(() => {
              ws.terminate();
              resolve();
            }, graceMs);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(1001, 'server shutting down');
          }),
      ),
    );
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
