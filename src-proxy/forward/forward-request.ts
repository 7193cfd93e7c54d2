/**
 * The request path of a forward listener: the same preparation, capture and
 * completion as reverse traffic; then either a route that names this listener
 * (its policies run and its action answers — mock, redirect or map to an
 * upstream), or the origin itself through a keep-alive agent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ListenerPlan, RoutePlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { SwitchyardError } from '../errors.js';
import type { StepResult } from '../pipeline/compose.js';
import { Exchange } from '../pipeline/exchange.js';
import { runExchange } from '../pipeline/handle-request.js';
import { requestBody } from '../pipeline/proxy/proxy-request.js';
import { attemptUpstream, type AttemptOutcome } from '../pipeline/proxy/upstream-call.js';
import { prepareRequest } from '../pipeline/steps/prepare-request.js';
import { takeMatchingRoute } from '../pipeline/steps/route-request.js';
import { runPolicies } from '../pipeline/steps/run-policies.js';
import { serveRoute } from '../pipeline/steps/serve-route.js';
import { upstreamTlsError } from '../tls/upstream-tls-error.js';
import type { ForwardContext } from './forward-context.js';
import { originRequestHeaders } from './origin-headers.js';
import { originTarget } from './origin-target.js';
import { checkProxyAuth, proxyAuthenticate, type ProxyAuthPlan } from './proxy-auth.js';

export function handleForwardRequest(req: IncomingMessage, res: ServerResponse, listener: ListenerPlan, state: EngineState, ctx: ForwardContext): void {
  const ex = new Exchange(req, res, listener, state);
  // Decrypted, that is: plain HTTP sent inside a tunnel is not.
  ex.intercepted = ctx.tunnel?.scheme === 'https';
  // Requests decrypted from a tunnel were authenticated with its CONNECT.
  const auth = ctx.tunnel === null ? listener.proxyAuth : null;
  runExchange(ex, (e) => prepareRequest(e, () => (auth === null ? serveForward(e, ctx) : authenticate(e, auth).then(() => serveForward(e, ctx)))));
}

async function authenticate(ex: Exchange, auth: ProxyAuthPlan): Promise<void> {
  const result = await checkProxyAuth(auth, ex.header('proxy-authorization'));
  if (!result.ok) throw proxyAuthError(auth, result.reason);
}

export function proxyAuthError(auth: ProxyAuthPlan, reason: 'missing' | 'invalid'): SwitchyardError {
  const detail = reason === 'missing' ? 'This proxy needs Basic credentials (Proxy-Authorization).' : 'The proxy credentials were not accepted.';
  return new SwitchyardError('PROXY_AUTH_REQUIRED', detail, { headers: { 'proxy-authenticate': proxyAuthenticate(auth) } });
}

function serveForward(ex: Exchange, ctx: ForwardContext): StepResult {
  if (matchForwardRoute(ex)) return runPolicies(ex, () => serveRoute(ex));
  return proxyToOrigin(ex, ctx);
}

/** Only routes that name this listener apply to forward traffic (a route without `listeners` serves reverse listeners). */
export function matchForwardRoute(ex: Exchange): boolean {
  const routes = forwardRoutes(ex.state.plan.routes, ex.listener.name);
  if (routes.length === 0) return false;
  return takeMatchingRoute(ex, routes);
}

const byPlan = new WeakMap<readonly RoutePlan[], Map<string, RoutePlan[]>>();
function forwardRoutes(routes: readonly RoutePlan[], listener: string): RoutePlan[] {
  let perListener = byPlan.get(routes);
  if (perListener === undefined) byPlan.set(routes, (perListener = new Map()));
  let list = perListener.get(listener);
  if (list === undefined) perListener.set(listener, (list = routes.filter((r) => r.listeners !== null && r.listeners.has(listener))));
  return list;
}

async function proxyToOrigin(ex: Exchange, ctx: ForwardContext): Promise<void> {
  const origin = originTarget(ex, ctx.tunnel);
  ex.target = { url: origin.url };
  ex.attempts = 1;
  ex.dispatchedAt = performance.now();
  const outcome = await attemptUpstream(
    ex,
    { url: origin.url, pool: ctx.agents.get(ex.listener.parentProxy, ex.listener.originTimeouts, ex.state.generation) },
    { path: origin.path, headers: originRequestHeaders(ex, origin.authority), body: requestBody(ex), retryStatus: () => false, setCookie: null },
  );
  if (outcome.kind === 'failed') {
    if (ex.bodyTooLarge) throw new SwitchyardError('PAYLOAD_TOO_LARGE', `The request body exceeded ${ex.listener.limits.maxBodySize} bytes.`);
    throw originError(outcome, origin.url);
  }
}

export function originError(f: Extract<AttemptOutcome, { kind: 'failed' }>, origin: string): SwitchyardError {
  const { error: cause } = f;
  const why = `: ${cause.message}`;
  switch (f.failure) {
    case 'connect-failure':
      // A refused origin certificate is reported as such, with the reason (as for https:// upstreams).
      return (
        upstreamTlsError(cause, origin) ??
        ((cause as NodeJS.ErrnoException).code === 'UND_ERR_CONNECT_TIMEOUT'
          ? new SwitchyardError('UPSTREAM_CONNECT_TIMEOUT', `Timed out connecting to ${origin}${why}.`, { cause })
          : new SwitchyardError('UPSTREAM_CONNECT_FAILED', `Could not connect to ${origin}${why}.`, { cause }))
      );
    case 'timeout':
      return new SwitchyardError('UPSTREAM_TIMEOUT', `${origin} did not answer in time${why}.`, { cause });
    case 'reset':
      return new SwitchyardError('UPSTREAM_RESET', `${origin} closed the connection${why}.`, { cause });
    case 'bad-response':
      return new SwitchyardError('UPSTREAM_BAD_RESPONSE', `${origin} sent an invalid response${why}.`, { cause });
  }
}
