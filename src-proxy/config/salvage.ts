/**
 * The part of a workspace the schema accepts, so that compile's checks (URLs,
 * regexes, addresses, policy settings) can run on it while the schema's
 * errors are reported: one `validate` then lists every problem, not the
 * schema's first and compile's after they are fixed.
 *
 * An unknown key is deleted (nothing else depends on it); any other schema
 * error removes the whole listener, route, upstream or policy it is in, or
 * resets `capture`/`history` to their defaults, so no check ever sees half an
 * entity (an upstream that lost a target would be "only backup targets").
 * Removing an entity can make other schema errors appear (a list left empty),
 * so this repeats a few times. Errors about removed entities are the schema's
 * to report; cross-references are reported from the raw tree
 * (reference-checks.ts), so compile skips them here.
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
const ROUNDS = 4;

export function salvageWorkspace(input: unknown, issues: readonly z.core.$ZodIssue[]): Salvaged | null {
  if (!isObject(input)) return null;
  const tree = structuredClone(input);
  // Which input items are still in, per list: the candidate's index k is the input's kept[k].
  const kept: Record<(typeof LISTS)[number], number[]> = { listeners: [], routes: [] };
  for (const list of LISTS) {
    if (tree[list] !== undefined && !Array.isArray(tree[list])) return null;
    kept[list] = ((tree[list] as unknown[] | undefined) ?? []).map((_, i) => i);
  }
  let pending = issues;
  for (let round = 0; round < ROUNDS; round++) {
    for (const issue of pending) if (!remove(tree, kept, issue)) return null;
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
function remove(tree: Record<string, unknown>, kept: Record<(typeof LISTS)[number], number[]>, issue: z.core.$ZodIssue): boolean {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const [section, entry] = path;
  const list = LISTS.find((l) => l === section);
  if (issue.code === 'unrecognized_keys') {
    const inputPath = list !== undefined && typeof entry === 'number' ? [list, kept[list][entry]!, ...path.slice(2)] : path;
    const holder = at(tree, inputPath);
    if (!isObject(holder)) return false;
    for (const key of issue.keys) delete holder[key];
    return true;
  }
  if (section === 'version') return true; // the candidate says 1
  // Missing or empty: the placeholder listener stands in.
  if (list !== undefined && path.length === 1 && (tree[list] === undefined || Array.isArray(tree[list]))) return true;
  if (list !== undefined && typeof entry === 'number') {
    kept[list] = kept[list].filter((_, k) => k !== entry);
    return true;
  }
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

function at(tree: unknown, path: Path): unknown {
  let node = tree;
  for (const segment of path) node = isObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[segment] : undefined;
  return node;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
