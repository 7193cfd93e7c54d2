/**
 * WebSocket (and any other HTTP/1.1 Upgrade) through a proxy route: the same
 * routing and target choice as a normal request, then the two sockets are
 * spliced together. If the upstream declines the upgrade, its answer is
 * passed back as an ordinary response.
 */
import http, { ServerResponse, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import type { ListenerPlan, UpstreamPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { SwitchyardError, isSwitchyardError } from '../errors.js';
import { rewritePath } from '../router/rewrite.js';
import { upstreamServername, upstreamTlsOptions } from '../upstream/upstream-tls.js';
import { Exchange } from './exchange.js';
import { upstreamRequestHeaders } from './proxy/forward-headers.js';
import { failureError } from './proxy/proxy-request.js';
import { classify } from './proxy/upstream-call.js';
import { complete, finish } from './handle-request.js';
import { sendExchangeProblem, sendFixed, sendRedirect } from './respond.js';
import { compose, type StepResult } from './compose.js';
import { waitForUpgradeAnswer } from './upgrade-wait.js';
import { prepareRequest } from './steps/prepare-request.js';
import { routeRequest } from './steps/route-request.js';
import { runPolicies } from './steps/run-policies.js';
import type { OpenWebSockets } from './websocket-go-away.js';
import { relayDeclinedUpgrade, spliceWebSocket } from './websocket-splice.js';

/** An upgrade request: the exchange plus the raw socket and the bytes read past the head. */
class UpgradeExchange extends Exchange {
  /** The upstream side took over the connection; it ends the exchange itself. */
  spliced = false;
  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    listener: ListenerPlan,
    state: EngineState,
    readonly socket: Duplex,
    readonly head: Buffer,
    readonly openWebSockets: OpenWebSockets,
  ) {
    super(req, res, listener, state);
  }
}

/** Upgrades take the same steps as requests — routing and the route's policies (auth must not be bypassable by an Upgrade header). */
const upgradePipeline = compose<UpgradeExchange>([prepareRequest, routeRequest, runPolicies, serveUpgrade]);

/** `openWebSockets`: the accepting listener's, so its close tells a spliced WebSocket to go away. */
export function handleUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  listener: ListenerPlan,
  state: EngineState,
  openWebSockets: OpenWebSockets,
): void {
  // A response object on the raw socket lets errors and non-proxy routes answer normally.
  const res = new ServerResponse(req);
  res.assignSocket(socket as import('node:net').Socket);
  res.shouldKeepAlive = false;
  socket.on('error', () => socket.destroy());
  // Unless the upgrade succeeds (and detaches the socket), the answer ends the connection.
  res.on('finish', () => socket.end());
  const ex = new UpgradeExchange(req, res, listener, state, socket, head, openWebSockets);
  let result: StepResult;
  try {
    result = upgradePipeline(ex);
  } catch (err) {
    return failUpgrade(ex, err);
  }
  if (result === undefined) finishUnlessSpliced(ex);
  else result.then(() => finishUnlessSpliced(ex), (err: unknown) => failUpgrade(ex, err));
}

function serveUpgrade(ex: UpgradeExchange): void {
  const action = ex.route!.action;
  if (action.kind === 'proxy') {
    proxyUpgrade(ex, action.upstream);
    ex.spliced = true;
  } else if (action.kind === 'respond') sendFixed(ex, action.status, action.headers, action.body);
  else sendRedirect(ex, action.to, action.status);
}

function finishUnlessSpliced(ex: UpgradeExchange): void {
  if (!ex.spliced) finish(ex);
}

function failUpgrade(ex: UpgradeExchange, err: unknown): void {
  const e = isSwitchyardError(err) ? err : new SwitchyardError('INTERNAL', 'The gateway failed to handle this upgrade.', { cause: err });
  ex.error = e;
  sendExchangeProblem(ex, e);
  finish(ex);
}

function proxyUpgrade(ex: UpgradeExchange, upstreamName: string): void {
  const { socket: client, head } = ex;
  // The live upstream: the request's config may have been replaced (and its pools closed) meanwhile.
  const upstream = ex.state.upstreams.get(upstreamName)?.live();
  if (!upstream) throw new SwitchyardError('INTERNAL', `Upstream "${upstreamName}" is missing from the running plan.`);
  ex.upstream = upstream;
  const target = upstream.choose(ex, null);
  if (!target) throw new SwitchyardError('NO_HEALTHY_TARGET', upstream.noTargetDetail(), { headers: { 'retry-after': '5' } });
  ex.target = target;
  ex.attempts = 1;
  const url = new URL(target.url);
  const { connectMs, responseMs, idleMs } = upstream.plan.timeouts;
  const path = ex.route?.rewrite ? rewritePath(ex.route.rewrite, ex.path) : ex.path;
  const secure = url.protocol === 'https:';
  const request = (secure ? https : http).request({
    ...(secure ? upgradeTlsOptions(upstream.plan, target.url) : {}),
    host: url.hostname.replace(/^\[|\]$/g, ''), // an IPv6 literal's brackets belong to the URL, not the address
    port: url.port,
    method: ex.method,
    path: ex.search ? `${path}?${ex.search}` : path,
    headers: upstreamRequestHeaders(ex, target, { upgrade: true }),
    agent: false,
    timeout: connectMs,
  });
  // The connection (TCP, and TLS for wss) within the connect timeout, then the answer to the upgrade within the response timeout.
  let connected = false;
  request.on('socket', (s) =>
    s.once(secure ? 'secureConnect' : 'connect', () => {
      connected = true;
      request.setTimeout(responseMs);
    }),
  );
  const route = ex.route!.name;
  // An open WebSocket keeps its target busy: least-connections and p2c must see it until it closes.
  target.inflight++;
  let held = true;
  const release = (): void => {
    if (held) target.inflight--;
    held = false;
  };

  // A client gone before the upstream answered: nobody will use the upstream side (see upgrade-wait.ts).
  const wait = waitForUpgradeAnswer(client, () => {
    ex.aborted = true;
    request.destroy();
    client.destroy();
  });

  request.on('timeout', () =>
    request.destroy(
      connected
        ? Object.assign(new Error(`no answer to the upgrade within ${responseMs} ms`), { code: 'UND_ERR_HEADERS_TIMEOUT' })
        : Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
    ),
  );
  request.on('error', (err) => {
    release();
    if (ex.aborted) {
      // The client's leaving is not the target's failure.
      if (ex.state.events.active || ex.capturing) complete(ex);
      return;
    }
    wait.answered();
    target.recordFailure('upgrade failed');
    if (ex.res.headersSent || client.destroyed) return void client.destroy();
    // Before the connection stood it is a connect failure; after it, no answer, a reset, or something that is not HTTP.
    ex.error = failureError({ failure: classify(err, connected), error: err }, upstreamName);
    sendExchangeProblem(ex, ex.error);
    finish(ex);
  });
  request.on('response', (upRes) => {
    wait.answered();
    request.setTimeout(0);
    upRes.once('close', release);
    relayDeclinedUpgrade(ex, upRes, idleMs);
  });
  request.on('upgrade', (upRes, upstreamSocket, upstreamHead) => {
    const early = wait.answered();
    upstreamSocket.once('close', release);
    request.setTimeout(0);
    target.recordSuccess();
    spliceWebSocket(ex, client, Buffer.concat([head, ...early]), upRes, upstreamSocket, upstreamHead, { route, target: target.url, openWebSockets: ex.openWebSockets });
    ex.dispatchedAt = ex.sentAt; // the upgrade's answer is the dispatch
  });
  request.end();
}

/** Per upstream plan (a new apply brings new plans): building the trust store costs milliseconds. */
const tlsOptionsByPlan = new WeakMap<UpstreamPlan, ConnectionOptions>();

/**
 * TLS to a wss:// (https://) target, as for ordinary requests: the upstream's trust store,
 * extra CAs, client certificate and `insecure`, SNI from the target (or `servername`) and
 * never from the client's Host header, and HTTP/1.1 only (an upgrade cannot ride on h2).
 */
function upgradeTlsOptions(plan: UpstreamPlan, origin: string): ConnectionOptions {
  let options = tlsOptionsByPlan.get(plan);
  if (!options) {
    options = upstreamTlsOptions(plan);
    tlsOptionsByPlan.set(plan, options);
  }
  // "" sends no SNI (IP targets, verified by IP); undefined would let node take the Host header.
  return { ...options, servername: upstreamServername(plan, origin) ?? '', ALPNProtocols: ['http/1.1'] };
}
