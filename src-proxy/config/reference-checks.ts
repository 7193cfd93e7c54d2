/**
 * Name clashes and cross-references between the sections of a workspace:
 * duplicate listener and route names, and routes or listeners naming a
 * listener, policy or upstream that does not exist. They need only names, so
 * they read the tree defensively (anything not a string is skipped): compile
 * runs them on the validated workspace, and `loadWorkspaceText` also runs
 * them on a tree the schema refused, so that one `validate` lists them beside
 * the schema's errors.
 */
import type { Report } from './compile-checks.js';

export function checkReferences(input: unknown, error: Report): void {
  const ws = isObject(input) ? input : {};
  const listeners = Array.isArray(ws.listeners) ? ws.listeners : [];
  const routes = Array.isArray(ws.routes) ? ws.routes : [];
  const upstreams = isObject(ws.upstreams) ? ws.upstreams : {};
  const policies = isObject(ws.policies) ? ws.policies : {};

  const listenerNames = listeners.map((l) => (isObject(l) && typeof l.name === 'string' ? l.name : null));
  checkUnique(listenerNames, (i, n) => error(['listeners', i, 'name'], `duplicate listener name "${n}"`));
  const known = new Set(listenerNames);
  listeners.forEach((l, i) => {
    if (isObject(l) && typeof l.redirectTo === 'string' && !known.has(l.redirectTo)) {
      error(['listeners', i, 'redirectTo'], `redirectTo names listener "${l.redirectTo}", which does not exist`);
    }
  });

  checkUnique(
    routes.map((r) => (isObject(r) && typeof r.name === 'string' ? r.name : null)),
    (i, n) => error(['routes', i, 'name'], `duplicate route name "${n}"`),
  );
  routes.forEach((r, i) => {
    if (!isObject(r)) return;
    const route = typeof r.name === 'string' ? `route "${r.name}"` : `routes[${i}]`;
    strings(r.listeners).forEach(([l, j]) => {
      if (!known.has(l)) error(['routes', i, 'listeners', j], `${route} names listener "${l}", which does not exist`);
    });
    strings(r.policies).forEach(([p, j]) => {
      if (!Object.hasOwn(policies, p)) error(['routes', i, 'policies', j], `${route} names policy "${p}", which is not defined under policies`);
    });
    if (typeof r.upstream === 'string' && !Object.hasOwn(upstreams, r.upstream)) {
      error(['routes', i, 'upstream'], `${route} names upstream "${r.upstream}", which is not defined under upstreams`);
    }
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The string items of a list, with their indexes. */
function strings(list: unknown): [string, number][] {
  return Array.isArray(list) ? list.flatMap((v, j) => (typeof v === 'string' ? [[v, j] as [string, number]] : [])) : [];
}

function checkUnique(values: (string | null)[], onDuplicate: (index: number, value: string) => void): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (v === null) return;
    if (seen.has(v)) onDuplicate(i, v);
    seen.add(v);
  });
}
