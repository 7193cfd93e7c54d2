/**
 * The lifecycle shared by the node `http.Server` listeners (plain, redirect,
 * forward): socket tracking, an exclusive bind that rejects instead of
 * emitting 'error', problem answers to malformed requests, and a graceful
 * close with idle sweeps and a deadline.
 */
import type http from 'node:http';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SwitchyardError, type ErrorCode } from '../errors.js';
import { answerAndClose } from '../pipeline/raw-answer.js';
import { OpenWebSockets } from '../pipeline/websocket-go-away.js';

/** Binds `server` to `host:port`; a bind error (EADDRINUSE, EACCES) rejects rather than being emitted. */
export function listenExclusive(server: Server, at: { host: string; port: number }): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: at.host, port: at.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * While a listener closes, a response must not promise keep-alive: the connection is closed right
 * after it, and a client that reuses it (its next request already on the way) gets a reset.
 * `Connection: close` makes it open a new connection instead (to the next process, say). The
 * response a socket is serving is node's `_httpMessage`, so nothing is tracked per request; those
 * that start later are marked as they come (`closing`).
 */
export function endKeepAlive(sockets: Iterable<Socket>): void {
  for (const socket of sockets) {
    const res = (socket as Socket & { _httpMessage?: http.ServerResponse | null })._httpMessage;
    if (res && !res.headersSent) res.shouldKeepAlive = false;
  }
}

export class ServerLifecycle {
  /** Every accepted socket, including upgraded and tunnelled ones that the server no longer tracks. */
  private readonly sockets = new Set<Socket>();
  /** WebSockets spliced on this server's connections. */
  readonly openWebSockets = new OpenWebSockets();
  private closing = false;
  private address: AddressInfo | null = null;

  constructor(
    private readonly server: http.Server,
    private readonly at: { host: string; port: number; limits?: { maxUrlLength: number } },
  ) {
    const maxUrlLength = at.limits?.maxUrlLength;
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, maxUrlLength));
    server.on('connection', (socket: Socket) => this.track(socket));
  }

  track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  async listen(): Promise<AddressInfo> {
    // First in line (the pipeline may answer at once), and once the listener's own handlers are on:
    // a 'checkContinue' listener of our own would stop node from answering 100-continue itself.
    const whileClosing = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
      if (this.closing) res.shouldKeepAlive = false;
    };
    this.server.prependListener('request', whileClosing);
    for (const event of ['checkContinue', 'checkExpectation']) if (this.server.listenerCount(event) > 0) this.server.prependListener(event, whileClosing);
    this.address = await listenExclusive(this.server, this.at);
    return this.address;
  }

  get boundAddress(): AddressInfo | null {
    return this.address;
  }

  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`, then
   * cuts what is left. Idle keep-alive connections are closed at once and as
   * they become idle; `alsoSweep` are servers fed by this one's sockets (they
   * never listen) that are closed and swept alongside. WebSockets, long-lived
   * by nature, are told to go away now rather than cut at the deadline.
   */
  async close(graceMs: number, alsoSweep: readonly http.Server[] = []): Promise<void> {
    this.closing = true;
    this.openWebSockets.goAway();
    endKeepAlive(this.sockets);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of alsoSweep) s.close();
    const servers = [this.server, ...alsoSweep];
    const sweep = () => {
      for (const s of servers) s.closeIdleConnections();
    };
    sweep();
    const idleSweep = setInterval(sweep, 50);
    const deadline = setTimeout(() => this.destroyAll(), graceMs);
    await closed;
    clearInterval(idleSweep);
    clearTimeout(deadline);
    this.destroyAll();
  }

  private destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}

const PARSER_ERRORS: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
};

/**
 * Malformed requests never reach the pipeline: answer with a problem and
 * close. The parser's head limit is the header limit plus `maxUrlLength`; a
 * head over it whose request target alone is over `maxUrlLength` is a 414
 * (RFC 9112 §3), not a 431.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, maxUrlLength?: number): void {
  if (err.code === 'ECONNRESET' || !socket.writable || (socket as Socket).bytesWritten > 0) {
    socket.destroy();
    return;
  }
  let code = PARSER_ERRORS[err.code ?? ''] ?? 'BAD_REQUEST';
  if (code === 'HEADERS_TOO_LARGE' && maxUrlLength !== undefined && targetLength((err as { rawPacket?: Buffer }).rawPacket) > maxUrlLength) {
    code = 'URI_TOO_LONG';
  }
  const detail =
    code === 'BAD_REQUEST' ? `The request could not be parsed (${err.code ?? 'parse error'}: ${err.message}).` : undefined;
  answerAndClose(socket, new SwitchyardError(code, detail));
}

/** How much of a request target the bytes show when they start with a request line ("METHOD target …"); 0 otherwise. */
function targetLength(raw: Buffer | undefined): number {
  if (raw === undefined) return 0;
  const sp = raw.indexOf(0x20);
  // A method is a short token at the very start; the bytes may be a later part of the head.
  if (sp < 1 || sp > 24 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(raw.toString('latin1', 0, sp))) return 0;
  let end = sp + 1;
  while (end < raw.length && raw[end] !== 0x20 && raw[end] !== 0x0d && raw[end] !== 0x0a) end++;
  return end - sp - 1;
}

/** A CONNECT on a reverse listener: answered with a 405 problem rather than a silent close (node's default). */
export function refuseConnect(_req: http.IncomingMessage, socket: Duplex): void {
  socket.on('error', () => socket.destroy());
  answerAndClose(socket, new SwitchyardError('METHOD_NOT_ALLOWED', 'This is a reverse-proxy listener: CONNECT tunnels need a forward listener.'));
}
