/** Questions every exporter asks of a plan, answered once. */
import type { ListenerPlan, Plan, RouteMatchPlan, RoutePlan, TargetPlan, UpstreamPlan, ValueCondition } from '../../config/plan.js';
import type { PolicyConfig } from '../../config/schema.js';
import { escapeRegex } from './regex.js';

export function reverseListeners(plan: Plan): ListenerPlan[] {
  return plan.listeners.filter((l) => l.mode === 'reverse');
}

/** The routes a listener serves, in the plan's order (most specific first). */
export function routesOf(plan: Plan, listener: ListenerPlan): RoutePlan[] {
  return plan.routes.filter((r) => r.listeners === null || r.listeners.has(listener.name));
}

export function listenAddress(l: ListenerPlan): string {
  return l.host.includes(':') ? `[${l.host}]:${l.port}` : `${l.host}:${l.port}`;
}

export function targetHostPort(t: TargetPlan): { host: string; port: number; hostPort: string; tls: boolean } {
  const u = new URL(t.url);
  const tls = u.protocol === 'https:';
  const port = u.port === '' ? (tls ? 443 : 80) : Number(u.port);
  const host = u.hostname;
  return { host, port, hostPort: `${host}:${port}`, tls };
}

/** The Host header a route sends upstream: a fixed value, or null for "the client's Host". */
export function upstreamHostHeader(route: RoutePlan, upstream: UpstreamPlan): { fixed: string } | { fromTarget: true } | null {
  if (route.rewrite?.host) return { fixed: route.rewrite.host };
  if (upstream.hostHeader === 'preserve') return null;
  if (upstream.hostHeader === 'target') return { fromTarget: true };
  return { fixed: upstream.hostHeader.fixed };
}

/** A regex over the request path equivalent to the route's path condition, or null when there is none. */
export function pathRegex(m: RouteMatchPlan): string | null {
  if (m.path !== null) {
    const p = escapeRegex(m.path);
    if (m.exact) return `^${p}$`;
    return m.path.endsWith('/') ? `^${p}` : `^${p}(/|$)`;
  }
  return m.pathRegex ? m.pathRegex.source : null;
}

/** A regex over the lower-case host name (no port), or null when any host matches. */
export function hostRegex(m: RouteMatchPlan): string | null {
  if (m.hosts === null) return null;
  const alts = [...m.hosts].map(escapeRegex).concat(m.hostSuffixes.map((s) => `.+${escapeRegex(s)}`));
  return `^(${alts.join('|')})$`;
}

/** A regex for an `equals` or `regex` value condition (presence is handled by each target). */
export function valueRegex(c: ValueCondition): string | null {
  if ('equals' in c) return `^${escapeRegex(c.equals)}$`;
  if ('regex' in c) return c.regex;
  return null;
}

export interface NamedPolicy {
  name: string;
  policy: PolicyConfig;
}

export function routePolicies(plan: Plan, route: RoutePlan): NamedPolicy[] {
  return route.policies.flatMap((name) => {
    const policy = plan.policies.get(name);
    return policy ? [{ name, policy }] : [];
  });
}

/** Durations in the unit nginx, HAProxy and Go all read: 1h, 2m, 30s or 250ms. */
export function fmtDuration(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A secret that is not exported in clear: a placeholder the operator replaces. */
export function secretPlaceholder(policy: string, what: string, index: number): string {
  return `SWITCHYARD_SECRET_${policy}_${what}_${index}`.replace(/[^A-Za-z0-9_]/g, '_').toUpperCase();
}

/** Identifier-safe, unique names for routes and upstreams in targets that allow only [A-Za-z0-9_]. */
export function identifiers(names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const name of names) {
    let id = name.replace(/[^A-Za-z0-9_]/g, '_');
    if (used.has(id)) {
      let i = 2;
      while (used.has(`${id}_${i}`)) i++;
      id = `${id}_${i}`;
    }
    used.add(id);
    out.set(name, id);
  }
  return out;
}
