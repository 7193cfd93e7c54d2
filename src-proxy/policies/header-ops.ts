/** The header operations of the headers policy, in their fixed order: remove, rename, set, add. */
import type { ResponseHeaders } from '../pipeline/response-sink.js';

export interface HeaderOps {
  readonly remove: readonly string[];
  readonly rename: readonly (readonly [from: string, to: string])[];
  readonly set: readonly (readonly [name: string, value: string])[];
  readonly add: readonly (readonly [name: string, value: string])[];
}

export function compileHeaderOps(ops: { add?: Record<string, string>; set?: Record<string, string>; remove?: string[]; rename?: Record<string, string> } | undefined): HeaderOps | null {
  if (!ops) return null;
  const lower = (r: Record<string, string> | undefined) => Object.entries(r ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const);
  return {
    remove: (ops.remove ?? []).map((h) => h.toLowerCase()),
    rename: Object.entries(ops.rename ?? {}).map(([from, to]) => [from.toLowerCase(), to.toLowerCase()] as const),
    set: lower(ops.set),
    add: lower(ops.add),
  };
}

/** Applies the operations to response headers (lower-case names), in place. */
export function applyToResponse(ops: HeaderOps, headers: ResponseHeaders): void {
  for (const name of ops.remove) delete headers[name];
  for (const [from, to] of ops.rename) {
    const v = headers[from];
    if (v === undefined) continue;
    delete headers[from];
    headers[to] = v;
  }
  for (const [name, value] of ops.set) headers[name] = value;
  for (const [name, value] of ops.add) {
    const v = headers[name];
    headers[name] = v === undefined ? value : Array.isArray(v) ? [...v, value] : [v, value];
  }
}
