/**
 * WebSocket (any HTTP/1.1 Upgrade) through a forward listener — in absolute
 * form on the proxy connection, or inside an intercepted tunnel: the upgrade
 * goes to the origin (through the parent proxy when chained, over verified
 * TLS for wss), then the two sockets are spliced and, while capture is on,
 * the messages are recorded as for reverse routes.
 */
import http, { ServerResponse, type IncomingMessage } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { SwitchyardError, isSwitchyardError } from '../errors.js';
import { Exchange } from '../pipeline/exchange.js';
import { complete, finish } from '../pipeline/handle-request.js';
import { sendExchangeProblem } from '../pipeline/respond.js';
import { prepareRequest } from '../pipeline/steps/prepare-request.js';
import { waitForUpgradeAnswer } from '../pipeline/upgrade-wait.js';
import type { OpenWebSockets } from '../pipeline/websocket-go-away.js';
import { relayDeclinedUpgrade, spliceWebSocket } from '../pipeline/websocket-splice.js';
import type { ForwardContext } from './forward-context.js';
import { originError, proxyAuthError } from './forward-request.js';
import { parseParentProxy } from './origin-agents.js';
import { originRequestHeaders } from './origin-headers.js';
import { originTarget, type OriginTarget } from './origin-target.js';
import { connectTimeout, openStream } from './parent-connect.js';
import { checkProxyAuth } from './proxy-auth.js';

/** `openWebSockets`: the forward listener's, so its close tells a spliced WebSocket to go away. */
export function handleForwardUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  listener: ListenerPlan,
  state: EngineState,
  ctx: ForwardContext,
  openWebSockets: OpenWebSockets,
): void {
  const res = new ServerResponse(req);
  res.assignSocket(socket as Socket);
  res.shouldKeepAlive = false;
  socket.on('error', () => socket.destroy());
  res.on('finish', () => socket.end());
  const ex = new Exchange(req, res, listener, state);
  // Decrypted, that is: plain HTTP sent inside a tunnel is not.
  ex.intercepted = ctx.tunnel?.scheme === 'https';
  upgrade(ex, socket, head, ctx, openWebSockets).catch((err: unknown) => {
    const e = isSwitchyardError(err) ? err : new SwitchyardError('INTERNAL', 'The gateway failed to handle this upgrade.', { cause: err });
    ex.error = e;
    if (!socket.destroyed) sendExchangeProblem(ex, e);
    finish(ex);
  });
}

async function upgrade(ex: Exchange, client: Duplex, head: Buffer, ctx: ForwardContext, openWebSockets: OpenWebSockets): Promise<void> {
  prepareRequest(ex, () => undefined);
  const auth = ctx.tunnel === null ? ex.listener.proxyAuth : null;
  if (auth !== null) {
    const result = await checkProxyAuth(auth, ex.header('proxy-authorization'));
    if (!result.ok) throw proxyAuthError(auth, result.reason);
  }
  const origin = originTarget(ex, ctx.tunnel);
  ex.target = { url: origin.url };
  ex.attempts = 1;
  ex.dispatchedAt = performance.now();
  const { connectMs, responseMs, idleMs } = ex.listener.originTimeouts;
  // One connect budget: TCP (and the parent's answer to CONNECT), then the TLS handshake.
  const deadline = performance.now() + connectMs;
  let conn: Socket;
  let path = origin.path;
  const extra: string[] = [];
  try {
    const parent = ex.listener.parentProxy === null ? null : parseParentProxy(ex.listener.parentProxy);
    if (origin.scheme === 'http' && parent !== null) {
      // Plain HTTP goes to the parent in absolute form, as for ordinary requests.
      conn = await openStream({ host: parent.host, port: parent.port }, null, { timeoutMs: connectMs });
      path = origin.url + origin.path;
      if (parent.authorization) extra.push('proxy-authorization', parent.authorization);
    } else {
      conn = await openStream(origin, parent, { timeoutMs: connectMs });
    }
    if (origin.scheme === 'https') conn = await secure(conn, origin, ctx.tunnel?.servername ?? null, ctx.agents.secureContext, deadline - performance.now());
  } catch (err) {
    const cause = err instanceof Error ? err : new Error(String(err));
    throw originError({ kind: 'failed', failure: 'connect-failure', error: cause, committed: false }, origin.url);
  }
  const upstreamSocket = conn;
  const request = http.request({
    createConnection: () => upstreamSocket,
    method: ex.method,
    path,
    headers: [...originRequestHeaders(ex, origin.authority, { upgrade: true }), ...extra],
  });
  // No answer (a 101, or a response declining the upgrade) in time: a 504, and the origin side is let go.
  // Once upgraded there is no timeout: the connection lasts until a side closes it.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    wait.answered();
    request.destroy();
    upstreamSocket.destroy();
    const cause = new Error(`no answer to the upgrade within ${responseMs} ms`);
    ex.error = originError({ kind: 'failed', failure: 'timeout', error: cause, committed: false }, origin.url);
    if (!client.destroyed) sendExchangeProblem(ex, ex.error);
    finish(ex);
  }, responseMs);
  // A client gone before the origin answered: nobody will use the origin side (see upgrade-wait.ts).
  const wait = waitForUpgradeAnswer(client, () => {
    clearTimeout(timer);
    ex.aborted = true;
    request.destroy();
    client.destroy();
  });
  request.on('error', (err) => {
    clearTimeout(timer);
    if (timedOut) return;
    if (ex.aborted) {
      if (ex.state.events.active || ex.capturing) complete(ex);
      return;
    }
    wait.answered();
    if (ex.res.headersSent || client.destroyed) return void client.destroy();
    // Connected already: the origin reset the connection or answered something that is not HTTP.
    const failure = (err as NodeJS.ErrnoException).code?.startsWith('HPE_') ? 'bad-response' : 'reset';
    ex.error = originError({ kind: 'failed', failure, error: err, committed: false }, origin.url);
    sendExchangeProblem(ex, ex.error);
    finish(ex);
  });
  request.on('response', (upRes) => {
    clearTimeout(timer);
    wait.answered();
    relayDeclinedUpgrade(ex, upRes, idleMs);
  });
  request.on('upgrade', (upRes, upSocket: Socket, upHead: Buffer) => {
    clearTimeout(timer);
    const early = wait.answered();
    spliceWebSocket(ex, client, Buffer.concat([head, ...early]), upRes, upSocket, upHead, { route: ex.listener.name, target: origin.url, openWebSockets });
  });
  request.end();
}

/** TLS with the origin within what is left of the connect budget; a silent server is let go. */
function secure(socket: Socket, origin: OriginTarget, sni: string | null, secureContext: tls.SecureContext, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const servername = sni ?? (isIP(origin.host) ? undefined : origin.host);
    const t = tls.connect({ socket, servername, secureContext, ALPNProtocols: ['http/1.1'] });
    const fail = (err: Error) => {
      clearTimeout(timer);
      t.destroy();
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(connectTimeout('the TLS handshake did not finish in time')), Math.max(0, timeoutMs));
    t.once('secureConnect', () => {
      clearTimeout(timer);
      t.removeListener('error', fail);
      resolve(t);
    });
    t.once('error', fail);
  });
}
