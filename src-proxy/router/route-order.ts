/**
 * Most specific route first: explicit priority, then exact paths, then longer
 * prefixes, then regex paths, then routes with no path condition; among equals,
 * a route with an exact host beats a wildcard host beats any host; then file order.
 * Regex routes rank below every prefix route except a missing path (like nginx's
 * `^~` prefixes): their specificity cannot be measured, so an explicit priority
 * is how to lift one.
 */
import type { RoutePlan } from '../config/plan.js';

function pathRank(r: RoutePlan): [kind: number, length: number] {
  const m = r.match;
  if (m.path !== null && m.exact) return [3, m.path.length];
  if (m.path !== null) return [2, m.path.length];
  if (m.pathRegex !== null) return [1, 0];
  return [0, 0];
}

function hostRank(r: RoutePlan): number {
  if (r.match.hosts === null) return 0;
  return r.match.hosts.size > 0 ? 2 : 1;
}

export function compareRoutes(a: RoutePlan, b: RoutePlan): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const [ak, al] = pathRank(a);
  const [bk, bl] = pathRank(b);
  if (ak !== bk) return bk - ak;
  if (al !== bl) return bl - al;
  const h = hostRank(b) - hostRank(a);
  if (h !== 0) return h;
  return a.index - b.index;
}

export function sortRoutes(routes: RoutePlan[]): RoutePlan[] {
  return [...routes].sort(compareRoutes);
}
