/** Finds the first route (in plan order) whose conditions all hold. */
import type { RouteMatchPlan, RoutePlan } from '../config/plan.js';

export interface MatchInput {
  listener: string;
  /** Lower-case host without port. */
  host: string;
  method: string;
  /** Normalised path, no query. */
  path: string;
  /** Raw query string without '?', or ''. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface RouteMatch {
  route: RoutePlan;
  /** Captures of pathRegex, for rewrite and redirect templates. */
  captures: RegExpExecArray | null;
}

export function matchRoute(routes: readonly RoutePlan[], input: MatchInput): RouteMatch | null {
  let query: URLSearchParams | null = null;
  for (const route of routes) {
    if (route.listeners !== null && !route.listeners.has(input.listener)) continue;
    const m = route.match;
    if (m.methods !== null && !m.methods.has(input.method)) continue;
    if (!hostMatches(m, input.host)) continue;
    let captures: RegExpExecArray | null = null;
    if (m.path !== null) {
      if (!pathMatches(m.path, m.exact, input.path)) continue;
    } else if (m.pathRegex !== null) {
      captures = m.pathRegex.exec(input.path);
      if (captures === null) continue;
    }
    if (m.headers.length > 0 && !m.headers.every(([name, test]) => test(headerValue(input.headers[name])))) continue;
    if (m.query.length > 0) {
      query ??= new URLSearchParams(input.query);
      const q = query;
      if (!m.query.every(([name, test]) => test(q.get(name) ?? undefined))) continue;
    }
    return { route, captures };
  }
  return null;
}

export function hostMatches(m: RouteMatchPlan, host: string): boolean {
  if (m.hosts === null) return true;
  if (m.hosts.has(host)) return true;
  for (const suffix of m.hostSuffixes) {
    // "*.example.test" matches "a.example.test" and "a.b.example.test", not "example.test".
    if (host.length > suffix.length && host.endsWith(suffix)) return true;
  }
  return false;
}

/** Prefix match on segment boundaries: /v2/users matches /v2/users and /v2/users/7, not /v2/usersX. */
export function pathMatches(prefix: string, exact: boolean, path: string): boolean {
  if (exact) return path === prefix;
  if (!path.startsWith(prefix)) return false;
  return path.length === prefix.length || prefix.endsWith('/') || path.charCodeAt(prefix.length) === 47; /* '/' */
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}
