/** Second step: choose the route, or answer 404. */
import type { RoutePlan } from '../../config/plan.js';
import { SwitchyardError } from '../../errors.js';
import { matchRoute } from '../../router/match-route.js';
import type { StepResult } from '../compose.js';
import type { Exchange } from '../exchange.js';

export function routeRequest(ex: Exchange, next: () => StepResult): StepResult {
  if (!takeMatchingRoute(ex, ex.state.plan.routes)) {
    throw new SwitchyardError('ROUTE_NOT_FOUND', `No route on listener "${ex.listener.name}" matches ${ex.method} ${ex.host}${ex.path}.`);
  }
  return next();
}

/** Gives the exchange the first of `routes` that matches it, and announces it (exchange.routed); false when none does. */
export function takeMatchingRoute(ex: Exchange, routes: readonly RoutePlan[]): boolean {
  const match = matchRoute(routes, {
    listener: ex.listener.name,
    host: ex.host,
    method: ex.method,
    path: ex.path,
    query: ex.search,
    headers: ex.req.headers,
  });
  if (match === null) return false;
  ex.route = match.route;
  ex.captures = match.captures;
  const events = ex.state.events;
  if (events.active) {
    const action = match.route.action;
    events.emit({ type: 'exchange.routed', id: ex.uid, route: match.route.name, upstream: action.kind === 'proxy' ? action.upstream : null });
  }
  return true;
}
