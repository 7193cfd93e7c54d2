/**
 * Which JSON tree nodes start open. The tree opens the first two levels, but
 * a hostile body (500 keys of 1,000-item arrays) would then mount half a
 * million nodes and freeze the page: levels open breadth-first only while
 * the rows they show stay within a budget; the rest start collapsed.
 */
export const JSON_CHILD_LIMIT = 2000;
export const JSON_OPEN_BUDGET = 5000;
const OPEN_DEPTH = 2;

/** Children of an object or array as [key, value] pairs (null for scalars). */
export function jsonEntries(value: unknown): (readonly [string, unknown])[] | null {
  if (value === null || typeof value !== 'object') return null;
  return Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
}

/** A child's path: JSON Pointer escaping keeps "a/b" and "a" + "b" apart. */
export const childPath = (parent: string, key: string) => `${parent}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** Paths ('' for the root) of the nodes that start open. */
export function initiallyOpen(root: unknown, budget = JSON_OPEN_BUDGET): Set<string> {
  const open = new Set<string>();
  let rows = 1;
  const queue: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }];
  for (let i = 0; i < queue.length; i++) {
    const { value, path, depth } = queue[i];
    const entries = jsonEntries(value);
    if (entries === null || depth >= OPEN_DEPTH) continue;
    const shown = Math.min(entries.length, JSON_CHILD_LIMIT);
    if (rows + shown > budget) break;
    rows += shown;
    open.add(path);
    for (const [k, v] of entries.slice(0, shown)) queue.push({ value: v, path: childPath(path, k), depth: depth + 1 });
  }
  return open;
}
