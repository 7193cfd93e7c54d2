/**
 * A CONNECT as an exchange (method CONNECT, url `host:port`), so refusals and
 * blind tunnels show in traffic and history like any request: a refusal is
 * an ordinary problem response; an established blind tunnel completes when
 * it closes, with the bytes carried each way. Intercepted tunnels are not
 * recorded themselves — the requests decrypted from them are.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import type { SwitchyardError } from '../errors.js';
import { Exchange } from '../pipeline/exchange.js';
import { complete, finish } from '../pipeline/handle-request.js';
import { sendExchangeProblem } from '../pipeline/respond.js';
import { announceExchange, hostName } from '../pipeline/steps/prepare-request.js';

export const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

export function startConnectExchange(req: IncomingMessage, client: Socket, listener: ListenerPlan, state: EngineState): Exchange {
  const res = new ServerResponse(req);
  res.assignSocket(client);
  res.shouldKeepAlive = false;
  res.on('finish', () => {
    client.end();
    // A refused client that keeps its side open must not hold the socket: drain what it
    // still sends (so closing does not reset the answer away), then let go.
    client.resume();
    client.once('finish', () => setTimeout(() => client.destroy(), 1000).unref());
  });
  const ex = new Exchange(req, res, listener, state);
  ex.id = ex.uid;
  ex.host = hostName(req.url ?? '');
  ex.path = '';
  // Announced only once it is known to be recorded (a refusal or a blind tunnel):
  // an intercepted tunnel, or one the client abandons first, must not leave a start without an end.
  return ex;
}

/** Answers the CONNECT with a problem, records it, and closes the connection. */
export function refuseConnect(ex: Exchange, err: SwitchyardError): void {
  announceExchange(ex);
  ex.error = err;
  sendExchangeProblem(ex, err);
  finish(ex);
}

/**
 * The tunnel is up: the 200 goes out raw (no body, no framing; unless
 * `announced`, when it already went out) and the exchange ends when the
 * tunnel closes. Each direction ends on its own (half-close), so a client
 * that shuts its sending side still gets the whole answer; an error on either
 * side cuts both.
 */
export function tunnelEstablished(ex: Exchange, client: Socket, upstream: Socket, target: string, announced = false): void {
  announceExchange(ex);
  ex.res.detachSocket(client);
  ex.target = { url: target };
  ex.attempts = 1;
  ex.status = 200;
  ex.dispatchedAt = ex.sentAt = ex.firstByteAt = performance.now();
  if (!announced) client.write(ESTABLISHED);
  client.on('data', (c: Buffer) => (ex.bytesIn += c.length));
  upstream.on('data', (c: Buffer) => (ex.bytesOut += c.length));
  const cut = () => {
    client.destroy();
    upstream.destroy();
  };
  let open = 2;
  const closed = (hadError: boolean) => {
    if (hadError) cut();
    if (--open === 0 && (ex.state.events.active || ex.capturing)) complete(ex);
  };
  upstream.on('error', cut).once('close', closed);
  client.on('error', cut).once('close', closed);
  client.pipe(upstream).pipe(client);
}

/** The 200 already went out (an intercepted tunnel that turned out not to be TLS) but the origin cannot be reached: record it, cut the client. */
export function tunnelFailed(ex: Exchange, client: Socket, err: SwitchyardError): void {
  announceExchange(ex);
  ex.res.detachSocket(client);
  ex.error = err;
  ex.status = err.status;
  client.destroy();
  if (ex.state.events.active || ex.capturing) complete(ex);
}

/** An intercepted tunnel: the CONNECT itself is not recorded; the socket goes back to the caller. */
export function releaseConnect(ex: Exchange, client: Socket): void {
  ex.res.detachSocket(client);
}
