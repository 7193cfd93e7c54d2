/**
 * The part of a workspace the schema accepts, so that compile's checks (URLs,
 * regexes, addresses, policy settings) can run on it while the schema's
 * errors are reported: one `validate` then lists every problem, not the
 * schema's first and compile's after they are fixed.
 *
 * Any schema error, an unknown key included, takes out the whole listener,
 * route, upstream or policy it is in, or resets `capture`/`history` to their
 * defaults, so no check ever sees half an entity: an upstream that lost a
 * target would have "only backup targets", and a route whose `pth: /x` typo
 * were merely deleted would have "`exact` needs a `path`". Only unknown keys
 * at the top level are deleted, since compile reads none of them. Errors
 * about removed entities are the schema's to report; cross-references are
 * reported from the raw tree (reference-checks.ts), so compile skips them
 * here.
 */
import type { z } from 'zod';
import { workspaceSchema, type Workspace } from './schema.js';

type Path = (string | number)[];

export interface Salvaged {
  workspace: Workspace;
  /** The path a compile issue on `workspace` has in the input; null for a placeholder. */
  inputPath(path: Path): Path | null;
}

const LISTS = ['listeners', 'routes'] as const;
const MAPS = ['upstreams', 'policies'] as const;
const SECTIONS = ['capture', 'history'] as const;
/** A listener that cannot clash with another, standing in when none is left (the schema wants one). */
const PLACEHOLDER_LISTENER = { name: 'salvage-placeholder', address: '127.0.0.1:0' };
/** Removing entities can only reveal errors of the lists they leave (and the placeholder covers an empty one): a spare round or two. */
const ROUNDS = 3;

export function salvageWorkspace(input: unknown, issues: readonly z.core.$ZodIssue[]): Salvaged | null {
  if (!isObject(input)) return null;
  // Only top-level keys and map entries are deleted: copies of those levels keep the input as it was.
  const tree: Record<string, unknown> = { ...input };
  for (const map of MAPS) if (isObject(tree[map])) tree[map] = { ...tree[map] };
  // Which input items are still in, per list: the candidate's index k is the input's kept[k].
  const kept: Record<(typeof LISTS)[number], number[]> = { listeners: [], routes: [] };
  for (const list of LISTS) {
    if (tree[list] !== undefined && !Array.isArray(tree[list])) return null;
    kept[list] = ((tree[list] as unknown[] | undefined) ?? []).map((_, i) => i);
  }
  let pending = issues;
  // Every issue of a parse is placed by that parse's indexes: removals are applied once all are read.
  for (let round = 0; round < ROUNDS; round++) {
    const removed = { listeners: new Set<number>(), routes: new Set<number>() };
    for (const issue of pending) if (!remove(tree, removed, issue)) return null;
    for (const list of LISTS) kept[list] = kept[list].filter((_, k) => !removed[list].has(k));
    const candidate: Record<string, unknown> = { ...tree, version: 1 };
    for (const list of LISTS) {
      if (tree[list] !== undefined) candidate[list] = kept[list].map((i) => (tree[list] as unknown[])[i]);
    }
    const placeholder = kept.listeners.length === 0;
    if (placeholder) candidate.listeners = [PLACEHOLDER_LISTENER];
    const parsed = workspaceSchema.safeParse(candidate);
    if (parsed.success) {
      return {
        workspace: parsed.data,
        inputPath(path) {
          const list = LISTS.find((l) => l === path[0]);
          if (list === undefined || typeof path[1] !== 'number') return path;
          if (list === 'listeners' && placeholder) return null;
          return [list, kept[list][path[1]]!, ...path.slice(2)];
        },
      };
    }
    pending = parsed.error.issues;
  }
  return null;
}

/** Takes out what `issue` is about; false when that cannot be done without losing the workspace's shape. */
function remove(tree: Record<string, unknown>, removed: Record<(typeof LISTS)[number], Set<number>>, issue: z.core.$ZodIssue): boolean {
  const [section, entry] = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys' && section === undefined) {
    for (const key of issue.keys) delete tree[key];
    return true;
  }
  if (section === 'version') return true; // the candidate says 1
  const list = LISTS.find((l) => l === section);
  if (list !== undefined && typeof entry === 'number') {
    removed[list].add(entry);
    return true;
  }
  // Missing or empty: the placeholder listener stands in.
  if (list !== undefined && entry === undefined && (tree[list] === undefined || Array.isArray(tree[list]))) return true;
  if (MAPS.some((m) => m === section) && typeof entry === 'string' && isObject(tree[section])) {
    delete tree[section][entry];
    return true;
  }
  if (SECTIONS.some((s) => s === section)) {
    delete tree[section as string];
    return true;
  }
  return false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
