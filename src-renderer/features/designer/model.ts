/**
 * The draft YAML read into the shapes the designer draws. Tolerant on
 * purpose: the draft is often half-typed or invalid, and the picture should
 * still show what can be understood (the engine's validation reports the
 * rest). Only a YAML *syntax* error yields no model.
 */
import { parseDocument } from 'yaml';

export interface ListenerModel {
  index: number;
  name: string;
  address: string;
  mode: 'reverse' | 'forward';
  tls: boolean;
}

export interface RouteModel {
  index: number;
  name: string;
  hosts: string[];
  path: string | null;
  exact: boolean;
  pathRegex: string | null;
  methods: string[];
  /** null: every reverse listener. */
  listeners: string[] | null;
  policies: string[];
  upstream: string | null;
  respond: { status: number } | null;
  redirect: { to: string; status: number } | null;
}

export interface TargetModel {
  index: number;
  url: string;
  weight: number;
  backup: boolean;
}

export interface UpstreamModel {
  name: string;
  balancer: string;
  targets: TargetModel[];
  healthCheck: boolean;
}

export interface PolicyModel {
  name: string;
  type: string;
  description: string | null;
}

export interface WorkspaceModel {
  listeners: ListenerModel[];
  routes: RouteModel[];
  upstreams: UpstreamModel[];
  policies: PolicyModel[];
}

export type ReadResult = { ok: true; model: WorkspaceModel } | { ok: false; error: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const strList = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(str).filter((s): s is string => s !== null) : str(v) !== null ? [str(v) as string] : [];
const objEntries = (v: unknown): [string, unknown][] => (isObj(v) ? Object.entries(v) : []);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function readWorkspace(text: string): ReadResult {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    // The parser's first line ends in " at line L, column C:" (its code frame follows); the position is given once, in front.
    const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    return { ok: false, error: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}: ${message}` : message };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  const root = isObj(data) ? data : {};

  const listeners = list(root.listeners).map((l, index): ListenerModel => {
    const o = isObj(l) ? l : {};
    return {
      index,
      name: str(o.name) ?? `listener ${index + 1}`,
      address: str(o.address) ?? '',
      mode: o.mode === 'forward' ? 'forward' : 'reverse',
      tls: o.tls !== undefined && o.tls !== null,
    };
  });

  const routes = list(root.routes).map((r, index): RouteModel => {
    const o = isObj(r) ? r : {};
    const match = isObj(o.match) ? o.match : {};
    const respond = isObj(o.respond) ? { status: typeof o.respond.status === 'number' ? o.respond.status : 200 } : null;
    const redirect = isObj(o.redirect)
      ? { to: str(o.redirect.to) ?? '', status: typeof o.redirect.status === 'number' ? o.redirect.status : 302 }
      : null;
    return {
      index,
      name: str(o.name) ?? `route ${index + 1}`,
      hosts: strList(match.host),
      path: str(match.path),
      exact: match.exact === true,
      pathRegex: str(match.pathRegex),
      methods: strList(match.methods),
      listeners: Array.isArray(o.listeners) ? strList(o.listeners) : null,
      policies: strList(o.policies),
      upstream: str(o.upstream),
      respond,
      redirect,
    };
  });

  const upstreams = objEntries(root.upstreams).map(([name, u]): UpstreamModel => {
    const o = isObj(u) ? u : {};
    return {
      name,
      balancer: str(o.balancer) ?? 'round-robin',
      healthCheck: isObj(o.healthCheck),
      targets: list(o.targets).map((t, index): TargetModel => {
        const to = isObj(t) ? t : {};
        return {
          index,
          url: str(to.url) ?? '',
          weight: typeof to.weight === 'number' ? to.weight : 1,
          backup: to.backup === true,
        };
      }),
    };
  });

  const policies = objEntries(root.policies).map(([name, p]): PolicyModel => {
    const o = isObj(p) ? p : {};
    return { name, type: str(o.type) ?? '?', description: str(o.description) };
  });

  return { ok: true, model: { listeners, routes, upstreams, policies } };
}
