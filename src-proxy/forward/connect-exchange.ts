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
  res.on('finish', () => client.end());
  const ex = new Exchange(req, res, listener, state);
  ex.id = ex.uid;
  ex.host = hostName(req.url ?? '');
  ex.path = '';
  announceExchange(ex);
  return ex;
}

/** Answers the CONNECT with a problem, records it, and closes the connection. */
export function refuseConnect(ex: Exchange, err: SwitchyardError): void {
  ex.error = err;
  sendExchangeProblem(ex, err);
  finish(ex);
}

/** The tunnel is up: the 200 goes out raw (no body, no framing) and the exchange ends when the tunnel closes. */
export function tunnelEstablished(ex: Exchange, client: Socket, upstream: Socket, target: string): void {
  ex.res.detachSocket(client);
  ex.target = { url: target };
  ex.attempts = 1;
  ex.status = 200;
  ex.dispatchedAt = ex.sentAt = ex.firstByteAt = performance.now();
  client.write(ESTABLISHED);
  client.on('data', (c: Buffer) => (ex.bytesIn += c.length));
  upstream.on('data', (c: Buffer) => (ex.bytesOut += c.length));
  let done = false;
  const close = () => {
    if (done) return;
    done = true;
    client.destroy();
    upstream.destroy();
    if (ex.state.events.active || ex.capturing) complete(ex);
  };
  upstream.on('error', close).on('close', close);
  client.on('error', close).on('close', close);
  client.pipe(upstream).pipe(client);
}

/** An intercepted tunnel: the CONNECT itself is not recorded; the socket goes back to the caller. */
export function releaseConnect(ex: Exchange, client: Socket): void {
  ex.res.detachSocket(client);
}
