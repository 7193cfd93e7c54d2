/**
 * Structural JSON comparison: each difference is a path (`$.items[3].price`)
 * with what was added, removed or changed. Arrays are compared by index.
 * Iterative, so deeply nested documents cannot overflow the stack, and the
 * number of changes reported is capped.
 */
import { ExactNumber } from './json-exact.js';

export interface JsonChange {
  /** JSONPath-like: `$`, `.key` or `["odd key"]`, `[index]`. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  /** The value on the left (removed, changed). */
  a?: unknown;
  /** The value on the right (added, changed). */
  b?: unknown;
}

export interface JsonDiff {
  same: boolean;
  changes: JsonChange[];
  /** More changes than `maxChanges` were found; the rest are not listed. */
  truncated: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function jsonPathKey(parent: string, key: string): string {
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

type Kind = 'array' | 'object' | 'scalar';
const kindOf = (v: unknown): Kind =>
  Array.isArray(v) ? 'array' : v !== null && typeof v === 'object' && !(v instanceof ExactNumber) ? 'object' : 'scalar';
/** Numbers too long for a double (see json-exact.ts) compare by their digits. */
const sameScalar = (a: unknown, b: unknown): boolean =>
  a instanceof ExactNumber ? b instanceof ExactNumber && a.canonical === b.canonical : a === b;

/** Work still to do: compare two values, or report a change found while expanding a parent. */
type Frame = { compare: true; path: string; a: unknown; b: unknown } | { compare: false; change: JsonChange };

export function diffJson(a: unknown, b: unknown, opts: { maxChanges?: number } = {}): JsonDiff {
  const max = opts.maxChanges ?? 1000;
  const changes: JsonChange[] = [];
  // Depth-first in document order: a parent's frames are pushed reversed.
  const stack: Frame[] = [{ compare: true, path: '$', a, b }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (!frame.compare) {
      if (changes.length >= max) return { same: false, changes, truncated: true };
      changes.push(frame.change);
      continue;
    }
    const { path, a: left, b: right } = frame;
    const ka = kindOf(left);
    if (ka !== kindOf(right) || (ka === 'scalar' && !sameScalar(left, right))) {
      stack.push({ compare: false, change: { path, kind: 'changed', a: left, b: right } });
      continue;
    }
    if (ka === 'scalar') continue;
    const next: Frame[] = [];
    if (ka === 'array') {
      const la = left as unknown[];
      const lb = right as unknown[];
      const common = Math.min(la.length, lb.length);
      for (let i = 0; i < common; i++) next.push({ compare: true, path: `${path}[${i}]`, a: la[i], b: lb[i] });
      for (let i = common; i < la.length; i++) next.push({ compare: false, change: { path: `${path}[${i}]`, kind: 'removed', a: la[i] } });
      for (let i = common; i < lb.length; i++) next.push({ compare: false, change: { path: `${path}[${i}]`, kind: 'added', b: lb[i] } });
    } else {
      const oa = left as Record<string, unknown>;
      const ob = right as Record<string, unknown>;
      for (const key of Object.keys(oa)) {
        const p = jsonPathKey(path, key);
        next.push(Object.hasOwn(ob, key) ? { compare: true, path: p, a: oa[key], b: ob[key] } : { compare: false, change: { path: p, kind: 'removed', a: oa[key] } });
      }
      for (const key of Object.keys(ob)) {
        if (!Object.hasOwn(oa, key)) next.push({ compare: false, change: { path: jsonPathKey(path, key), kind: 'added', b: ob[key] } });
      }
    }
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]);
  }
  return { same: changes.length === 0, changes, truncated: false };
}
