/**
 * A plain HTTP/1.1 listener. The server is created once per bound address;
 * which plan it serves is read from the engine on every request, so applying a
 * config never needs to rebind an unchanged listener.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { SwitchyardError, toProblem, type ErrorCode } from '../errors.js';
import { handleRequest } from '../pipeline/handle-request.js';
import { handleUpgrade } from '../pipeline/websocket.js';

export class HttpListener {
  readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private address: AddressInfo | null = null;

  constructor(
    readonly plan: ListenerPlan,
    getState: () => EngineState,
  ) {
    const name = plan.name;
    const current = (state: EngineState) => state.listeners.get(name) ?? plan;
    this.server = http.createServer(
      {
        // Leave room above the header limit so an over-long URL is answered
        // with 414 by the pipeline rather than 431 by the parser.
        maxHeaderSize: plan.limits.maxHeaderSize + plan.limits.maxUrlLength,
        headersTimeout: plan.limits.headersTimeoutMs,
        requestTimeout: 0, // Large uploads may take long; idle sockets are bounded by keepAliveTimeout.
        keepAliveTimeout: plan.limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: 1000,
        requireHostHeader: true,
      },
      (req, res) => {
        const state = getState();
        handleRequest(req, res, current(state), state);
      },
    );
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const state = getState();
      handleUpgrade(req, socket, head, current(state), state);
    });
    this.server.on('clientError', answerClientError);
    this.server.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: this.plan.host, port: this.plan.port, exclusive: true }, () => {
        this.server.off('error', onError);
        this.address = this.server.address() as AddressInfo;
        resolve(this.address);
      });
    });
  }

  get boundAddress(): AddressInfo | null {
    return this.address;
  }

  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`, then
   * cuts what is left. Idle keep-alive connections are closed at once.
   */
  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const idleSweep = setInterval(() => this.server.closeIdleConnections(), 50);
    const deadline = setTimeout(() => {
      this.server.closeAllConnections();
      for (const s of this.sockets) s.destroy(); // upgraded sockets are not tracked by the server
    }, graceMs);
    await closed;
    clearInterval(idleSweep);
    clearTimeout(deadline);
    for (const s of this.sockets) s.destroy();
  }
}

const PARSER_ERRORS: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
};

/** Malformed requests never reach the pipeline: answer with a problem and close. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable || (socket as Socket).bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const code = PARSER_ERRORS[err.code ?? ''] ?? 'BAD_REQUEST';
  const detail =
    code === 'BAD_REQUEST' ? `The request could not be parsed (${err.code ?? 'parse error'}: ${err.message}).` : undefined;
  const e = new SwitchyardError(code, detail);
  const body = JSON.stringify(toProblem(e));
  socket.end(
    `HTTP/1.1 ${e.status} ${e.title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
