/**
 * The part of a WebSocket (any HTTP/1.1 Upgrade) exchange after the upstream
 * answered. If it accepted: relay its 101 to the client, splice the two
 * sockets, count bytes, capture messages while capture is on, and complete
 * the exchange when either side closes. If it declined: relay its answer as an
 * ordinary response. Shared by reverse routes and the forward listener.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { WebSocketFrameReader } from '../capture/websocket-frames.js';
import { SwitchyardError } from '../errors.js';
import type { Exchange } from './exchange.js';
import { complete, finish } from './handle-request.js';
import { clientResponseHeaders } from './proxy/forward-headers.js';
import { responseSink } from './response-sink.js';
import { SplicedDirection, type OpenWebSockets } from './websocket-go-away.js';

/** Per connection, capture keeps at most this many messages, each up to 64 KB (or the body cap if smaller). */
const MAX_CAPTURED_MESSAGES = 1000;
const MAX_CAPTURED_MESSAGE_BYTES = 64 * 1024;

export interface SpliceOptions {
  /** The `route` of the websocket.open/close events. */
  route: string;
  /** The `target` of the websocket.open/close events. */
  target: string;
  /** The accepting listener's registry: its close tells the connection to go away. */
  openWebSockets: OpenWebSockets;
}

/** `head`/`upHead`: bytes each side sent past its head, already read by the HTTP parsers. */
export function spliceWebSocket(
  ex: Exchange,
  client: Duplex,
  head: Buffer,
  upRes: IncomingMessage,
  upstream: Socket,
  upHead: Buffer,
  options: SpliceOptions,
): void {
  const { route, target } = options;
  ex.res.detachSocket(client as Socket);
  let response = `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}\r\n`;
  for (let i = 0; i < upRes.rawHeaders.length; i += 2) response += `${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}\r\n`;
  client.write(response + '\r\n');
  if (upHead.length > 0) client.write(upHead);
  if (head.length > 0) upstream.write(head);
  const events = ex.state.events;
  if (events.active) events.emit({ type: 'websocket.open', id: ex.uid, time: Date.now(), route, target });
  ex.status = upRes.statusCode ?? 101;
  ex.firstByteAt = ex.sentAt = performance.now();
  // The exchange's byte counts are the connection's, from the upgrade on.
  ex.bytesIn = 0;
  ex.bytesOut = 0;
  let fromClient: WebSocketFrameReader | null = null;
  let fromUpstream: WebSocketFrameReader | null = null;
  if (ex.capturing) {
    ex.responseHeaders = upRes.rawHeaders;
    const messages: NonNullable<typeof ex.websocketMessages> = (ex.websocketMessages = []);
    const keep = (m: (typeof messages)[number]) => {
      if (messages.length < MAX_CAPTURED_MESSAGES) messages.push(m);
      return messages.length < MAX_CAPTURED_MESSAGES;
    };
    const cap = Math.min(MAX_CAPTURED_MESSAGE_BYTES, ex.state.plan.capture.maxBodySize);
    fromClient = new WebSocketFrameReader('client', cap, keep);
    fromUpstream = new WebSocketFrameReader('upstream', cap, keep);
    if (head.length > 0) fromClient.push(head);
    if (upHead.length > 0) fromUpstream.push(upHead);
  }
  // WebSockets close with a Close frame each way when their listener closes (websocket-go-away.ts).
  const isWebSocket = ex.req.headers.upgrade?.toLowerCase() === 'websocket';
  const clientSide = isWebSocket ? new SplicedDirection(client, upstream, true) : null;
  const upstreamSide = isWebSocket ? new SplicedDirection(upstream, client, false) : null;
  if (head.length > 0) clientSide?.data(head);
  if (upHead.length > 0) upstreamSide?.data(upHead);
  let goingAway = false;
  /** The side's Close has been answered (or crossed ours): ending the TCP connection is the server's part (§7.1.1). */
  const endAnswered = (): void => {
    if (!goingAway || clientSide === null || upstreamSide === null) return;
    if (upstreamSide.closed && clientSide.frames.closes > 0) client.end();
    if (clientSide.closed && upstreamSide.frames.closes > 0) upstream.end();
  };
  client.on('data', (c: Buffer) => {
    ex.bytesIn += c.length;
    fromClient?.push(c);
    clientSide?.data(c);
    endAnswered();
  });
  upstream.on('data', (c: Buffer) => {
    ex.bytesOut += c.length;
    fromUpstream?.push(c);
    upstreamSide?.data(c);
    endAnswered();
  });
  client.pipe(upstream).pipe(client);
  // After the pipes: a connection spliced while its listener is already closing goes away at once.
  const unregister = isWebSocket
    ? options.openWebSockets.add(() => {
        goingAway = true;
        clientSide?.goAway();
        upstreamSide?.goAway();
        endAnswered();
      })
    : null;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    unregister?.();
    client.destroy();
    upstream.destroy();
    if (events.active) events.emit({ type: 'websocket.close', id: ex.uid, time: Date.now(), route, target, bytesIn: ex.bytesIn, bytesOut: ex.bytesOut });
    // The response object was detached at the upgrade: the connection's end is the exchange's end,
    // once the messages read so far are captured (compressed ones are still being inflated).
    if (fromClient !== null && fromUpstream !== null) {
      const readers = [fromClient.settled(), fromUpstream.settled()];
      ex.state.capture.track(Promise.all(readers).then(() => complete(ex)));
    } else if (events.active) complete(ex);
  };
  client.on('close', close).on('error', close);
  // Going away, the upstream answers first and hangs up; the client still owes its Close (the stop's deadline bounds the wait).
  const upstreamGone = () => {
    if (!goingAway || client.destroyed) close();
  };
  upstream.on('close', upstreamGone).on('error', upstreamGone);
}

/**
 * The upstream said no to the upgrade: its answer goes to the client as an
 * ordinary response — through the response sink, so response policies apply
 * and capture records it, and without hop-by-hop fields. The client's
 * connection was taken over for the upgrade and serves no further request,
 * so the answer says `Connection: close`. An answer whose body stalls for
 * `idleMs` (the upstream's idle timeout) is cut, as a stalled body of an
 * ordinary response is: it would otherwise hold both connections for ever.
 */
export function relayDeclinedUpgrade(ex: Exchange, upRes: IncomingMessage, idleMs: number): void {
  const sink = responseSink(ex);
  ex.res.shouldKeepAlive = false;
  const headers = clientResponseHeaders(upRes.headers);
  headers['x-request-id'] = ex.id;
  sink.head(upRes.statusCode ?? 502, headers, upRes.statusMessage);
  upRes.on('data', (chunk: Buffer) => {
    if (!sink.write(chunk)) {
      upRes.pause();
      sink.onDrain(() => upRes.resume());
    }
  });
  upRes.once('end', () => {
    const trailers = Object.keys(upRes.trailers).length > 0 ? (upRes.trailers as Record<string, string>) : undefined;
    sink.end(trailers);
  });
  // Cut short by the upstream: cut the client too, rather than end it as if complete.
  upRes.once('close', () => {
    if (!upRes.complete) sink.destroy();
  });
  const stalled = setTimeout(() => {
    ex.error = new SwitchyardError('UPSTREAM_TIMEOUT', `The upstream's answer declining the upgrade sent nothing for ${idleMs} ms; the connection was closed.`);
    upRes.destroy();
    ex.res.destroy();
  }, idleMs);
  // Progress on either side: a client slow to read is not a stalled upstream.
  upRes.on('data', () => stalled.refresh());
  ex.res.on('drain', () => stalled.refresh());
  upRes.once('close', () => clearTimeout(stalled));
  ex.res.once('close', () => clearTimeout(stalled));
  // A client that leaves first lets the upstream connection (and its target's in-flight count) go;
  // its FIN only shows as 'end' on the half-open socket while nothing is written to it.
  const left = () => {
    if (!upRes.complete) upRes.destroy();
    ex.res.socket?.destroy();
  };
  ex.res.once('close', left);
  ex.res.socket?.once('end', left);
  finish(ex);
}
