/**
 * Workspace loading: YAML with positions → strict schema → compiled plan.
 * Every failure becomes a ConfigIssue at file:line:column; the same issues
 * feed the CLI, the editor markers and the control API.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Scalar, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { compileWorkspace } from './compile.js';
import type { ConfigIssue } from './issues.js';
import type { Plan } from './plan.js';
import { positionOf } from './positions.js';
import { checkReferences } from './reference-checks.js';
import { readWorkspaceFile } from './read-workspace.js';
import { salvageWorkspace } from './salvage.js';
import { workspaceSchema, type Workspace } from './schema.js';

/** YAML errors reported per load; the first ones are what a person fixes first anyway. */
export const MAX_YAML_ERRORS = 20;

export interface LoadResult {
  /** Present when there is no error (warnings allowed). */
  plan?: Plan;
  workspace?: Workspace;
  issues: ConfigIssue[];
}

export async function loadWorkspaceFile(file: string): Promise<LoadResult> {
  const read = await readWorkspaceFile(file);
  if (read.issue) return { issues: [read.issue] };
  return loadWorkspaceText(read.text, file);
}

export function loadWorkspaceText(text: string, file = 'workspace.yaml'): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: sameKey });
  const at = (path: (string | number)[], message: string, severity: ConfigIssue['severity'] = 'error', key = false): ConfigIssue => ({
    file,
    ...positionOf(doc, lineCounter, path, { key }),
    message,
    path,
    severity,
  });

  if (doc.errors.length > 0) {
    return {
      // Locating an error walks the document: a broken paste with thousands of errors must not stall the engine.
      issues: sortIssues(doc.errors.slice(0, MAX_YAML_ERRORS).map((e) => {
        const { offset, message } = yamlProblem(e, text, doc, lineCounter);
        const { line, col } = lineCounter.linePos(offset);
        return { file, line, column: col, message: `YAML: ${message}`, path: [], severity: 'error' as const };
      })),
    };
  }

  // A tag the YAML core schema does not know (`!env SECRET`, `!!float 200`) is otherwise dropped in silence,
  // leaving the literal text: a value nobody meant (the variable's name as the secret, say).
  const tags = doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED').slice(0, MAX_YAML_ERRORS);
  if (tags.length > 0) {
    return {
      issues: tags.map((w) => {
        const { line, col } = lineCounter.linePos(w.pos[0]);
        const tag = text.slice(w.pos[0], w.pos[1]);
        const message = `YAML: tag ${tag} is not supported here; write the plain value`;
        return { file, line, column: col, message, path: [], severity: 'error' as const };
      }),
    };
  }

  const merge = mergeKeyOffset(doc);
  if (merge !== null) {
    const { line, col } = lineCounter.linePos(merge);
    const message = 'YAML: merge keys ("<<") are not supported; write the keys out (an alias such as *name can still stand for a whole value)';
    return { issues: [{ file, line, column: col, message, path: [], severity: 'error' }] };
  }

  const complexKey = collectionKeyOffset(doc);
  if (complexKey !== null) {
    const { line, col } = lineCounter.linePos(complexKey);
    const message = 'YAML: a key must be a plain value, not a list or a map';
    return { issues: [{ file, line, column: col, message, path: [], severity: 'error' }] };
  }

  let input: unknown;
  try {
    input = doc.toJS() ?? {};
  } catch (err) {
    // Unresolved aliases and alias bombs are only found while building values.
    const { line, col } = lineCounter.linePos(firstAliasOffset(doc));
    return { issues: [{ file, line, column: col, message: `YAML: ${firstLine((err as Error).message)}`, path: [], severity: 'error' }] };
  }
  const parsed = workspaceSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((issue) => schemaIssue(issue, [], input, at));
    // Name clashes and dangling references need only names: listed now too, not after the schema errors are fixed.
    checkReferences(input, (path, message) => issues.push(at(path, message, 'error', false)));
    // So are compile's errors in the entities the schema accepted (its warnings wait for a valid file).
    const salvaged = salvageWorkspace(input, parsed.error.issues);
    for (const i of salvaged === null ? [] : compileWorkspace(salvaged.workspace, { references: false }).issues) {
      const path = salvaged?.inputPath(i.path) ?? null;
      if (i.severity === 'error' && path !== null) issues.push(at(path, i.message, 'error', i.key));
    }
    return { issues: sortIssues(issues) };
  }

  const { plan, issues } = compileWorkspace(parsed.data);
  const located = issues.map((i) => at(i.path, i.message, i.severity, i.key));
  const failed = located.some((i) => i.severity === 'error');
  return { plan: failed ? undefined : plan, workspace: parsed.data, issues: sortIssues(located) };
}

/** Where `path` was written in `text`, as an issue (for problems found after validation, e.g. a port that cannot be bound). */
export function issueAt(text: string, file: string, path: (string | number)[], message: string): ConfigIssue {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: sameKey });
  return { file, ...positionOf(doc, lineCounter, path), message, path, severity: 'error' };
}

/** Keys become strings in the workspace (`1` and `"1"` name the same upstream), so they are compared as strings. */
function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (isScalar(a) && isScalar(b) && String(a.value) === String(b.value));
}

type At = (path: (string | number)[], message: string, severity?: ConfigIssue['severity'], key?: boolean) => ConfigIssue;
type Issue = z.core.$ZodIssue;

/** A YAML error's message and where to point: unclosed quotes and brackets at their opening, not at the end of the file. */
function yamlProblem(e: YAMLError, text: string, doc: Document, lineCounter: LineCounter): { offset: number; message: string } {
  const offset = e.pos[0];
  if (e.code === 'DUPLICATE_KEY') {
    // e.pos starts at the repeated key; read it up to its colon.
    const m = /^("[^"\n]*"|'[^'\n]*'|[^:\n]{1,60}?)\s*:(\s|$)/.exec(text.slice(offset));
    const key = m ? m[1].replace(/^(["'])(.*)\1$/, '$2') : null;
    const first = firstKeyBefore(doc, offset);
    const pos = first === null ? null : lineCounter.linePos(first);
    const firstAt = pos === null ? '' : `first at line ${pos.line}, column ${pos.col}; `;
    return { offset, message: `duplicate key${key ? ` "${key}"` : ''} (${firstAt}a key may appear only once in a map)` };
  }
  if (e.code === 'BLOCK_AS_IMPLICIT_KEY' && /^Nested mappings/.test(e.message)) {
    return { offset, message: 'a value with ": " in it must be quoted (or put the nested map on lines of its own)' };
  }
  if (e.code === 'MULTIPLE_DOCS') return { offset, message: 'a workspace is a single YAML document; remove the extra "---"' };
  if (e.code === 'MISSING_CHAR' && /closing ["']quote/.test(e.message)) {
    const quote = e.message.includes('"quote') ? '"' : "'";
    const start = nodeEndingAt(doc, offset, (n) => isScalar(n) && (n.type === 'QUOTE_DOUBLE' || n.type === 'QUOTE_SINGLE'));
    if (start !== null) return { offset: start, message: `this quoted string is never closed (missing closing ${quote})` };
  }
  const flow = /^Flow (sequence|map) in block collection must be sufficiently indented and end with a ([\]}])/.exec(e.message);
  if (flow) {
    const seq = flow[1] === 'sequence';
    const start = nodeEndingAt(doc, offset, (n) => (seq ? isSeq(n) && n.flow === true : isMap(n) && n.flow === true));
    const open = seq ? '[' : '{';
    if (start !== null) return { offset: start, message: `this ${open} is never closed with ${flow[2]} (or a line inside it is not indented enough)` };
  }
  return { offset, message: firstLine(e.message) };
}

/** Offset of the first plain `<<` key: YAML 1.1 merge syntax, which the 1.2 parser would read as a key named "<<". */
function mergeKeyOffset(doc: Document): number | null {
  let offset: number | null = null;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.type === 'PLAIN' && pair.key.value === '<<') {
        offset = pair.key.range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

/**
 * Where the first list or map used as a key (`? [a, b]`) was written. Keys
 * become strings in the workspace; a collection would be stringified (with a
 * Node warning on stderr) into a name nobody wrote.
 */
function collectionKeyOffset(doc: Document): number | null {
  let offset: number | null = null;
  visit(doc, {
    Pair(_, pair) {
      const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
      if (isMap(key) || isSeq(key)) {
        offset = (pair.key as Node).range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

/** Where the key repeated at `offset` was first written in the same map. */
function firstKeyBefore(doc: Document, offset: number): number | null {
  let found: number | null = null;
  visit(doc, {
    Map(_, map) {
      const dup = map.items.find((p) => isScalar(p.key) && p.key.range?.[0] === offset);
      if (!dup) return undefined;
      const first = map.items.find((p) => p !== dup && sameKey(p.key, dup.key));
      found = (first?.key as Scalar | undefined)?.range?.[0] ?? null;
      return visit.BREAK;
    },
  });
  return found;
}

/** Start offset of the innermost node of a kind whose text ends at `offset`. */
function nodeEndingAt(doc: Document, offset: number, kind: (node: unknown) => boolean): number | null {
  let start: number | null = null;
  visit(doc, (_key, node) => {
    // A broken document can hold null nodes (a key whose quote never closes).
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range && kind(node) && (range[1] === offset || range[2] === offset)) start = range[0];
  });
  return start;
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/**
 * Turns one zod issue into messages a person can act on: where (a readable
 * path), what was expected, and what was written. `base` is the path of the
 * value the issue's own path is relative to (non-empty inside union branches).
 */
function schemaIssue(issue: Issue, base: (string | number)[], input: unknown, at: At): ConfigIssue[] {
  const path = [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
  const where = describePath(path);
  const prefix = where ? `${where}: ` : 'workspace: ';

  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => at([...path, k], `unknown key "${k}"${where ? ` in ${where}` : ' at the top level'}`, 'error', true));
  }
  if (issue.code === 'invalid_key') {
    const key = String(path.at(-1));
    const parent = describePath(path.slice(0, -1));
    const why = issue.issues.map((i) => i.message).join('; ');
    return [at(path, `${parent ? parent + ': ' : ''}"${key}" is not a valid name: ${why}`, 'error', true)];
  }

  const found = lookup(input, path);
  if (!found.present) {
    const parent = path.slice(0, -1);
    const inParent = describePath(parent) ? ` in ${describePath(parent)}` : ' at the top level';
    const options = issue.code === 'invalid_union' && 'options' in issue && issue.options ? ` (one of ${issue.options.join(', ')})` : '';
    return [at(parent, `missing required key "${String(path.at(-1))}"${inParent}${options}`)];
  }
  const value = found.value;

  if (issue.code === 'invalid_union') {
    if ('discriminator' in issue && issue.discriminator !== undefined && issue.errors.length === 0 && 'options' in issue) {
      return [at(path, `${prefix}unknown ${typeLabel(path)}${describeValue(value)}; expected one of ${(issue.options ?? []).join(', ')}`)];
    }
    // A branch that accepted the value's type but failed on its content (e.g.
    // the map form of a header condition with a bad field): report that.
    const deeper = issue.errors.find((branch) => branch.length > 0 && !branch.some(isTypeMismatch));
    if (deeper) return deeper.flatMap((i) => schemaIssue(i, path, input, at));
    const alternatives = unique(issue.errors.flatMap((branch) => branch.filter((i) => i.path.length === 0).flatMap(expectations)));
    if (alternatives.length > 0) return [at(path, `${prefix}expected ${oneOf(alternatives)}, got ${describeValue(value)}${quoteHint(alternatives, value)}`)];
    return [at(path, `${prefix}${issue.message}, got ${describeValue(value)}`)];
  }

  if (issue.code === 'invalid_format' && !isZodDefault(issue.message)) {
    // Our own pattern messages ("expected a duration such as …", "names use …").
    const got = describeValue(value);
    return [at(path, /^expected /.test(issue.message) ? `${prefix}${issue.message}, got ${got}` : `${prefix}${issue.message} (got ${got})`)];
  }

  const expected = expectations(issue);
  if (expected.length > 0) return [at(path, `${prefix}expected ${oneOf(expected)}, got ${describeValue(value)}${quoteHint(expected, value)}`)];
  return [at(path, `${prefix}${issue.message}`)];
}

/** What an issue says was expected, as phrases ("a list", "at least 1 item", "reverse"). */
function expectations(issue: Issue): string[] {
  switch (issue.code) {
    case 'invalid_type':
      return [isZodDefault(issue.message) ? article(issue.expected) : issue.message.replace(/^expected /, '')];
    case 'invalid_value':
      return issue.values.map((v) => String(v));
    case 'too_small': {
      const n = Number(issue.minimum);
      const bound = issue.inclusive === false ? `more than ${n}` : `at least ${n}`;
      if (issue.origin === 'array') return [n === 1 && issue.inclusive !== false ? 'at least one item' : `${bound} items`];
      if (issue.origin === 'string') return [n === 1 && issue.inclusive !== false ? 'a non-empty string' : `${bound} characters`];
      return [bound];
    }
    case 'too_big': {
      const n = Number(issue.maximum);
      const bound = issue.inclusive === false ? `less than ${n}` : `at most ${n}`;
      if (issue.origin === 'array') return [`${bound} items`];
      if (issue.origin === 'string') return [`${bound} characters`];
      return [bound];
    }
    case 'invalid_format': {
      if (!isZodDefault(issue.message)) return [issue.message.replace(/^expected /, '')];
      if (issue.format === 'starts_with' && 'prefix' in issue) return [`a string starting with "${String(issue.prefix)}"`];
      if (issue.format === 'regex' && issue.pattern) return [`a string matching ${issue.pattern}`];
      return [`a valid ${issue.format}`];
    }
    case 'not_multiple_of':
      return [`a multiple of ${issue.divisor}`];
    default:
      return [];
  }
}

function isTypeMismatch(issue: Issue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
}

function isZodDefault(message: string): boolean {
  return /^(Invalid|Too (big|small))\b/.test(message);
}

function oneOf(options: string[]): string {
  if (options.length <= 1) return options.join('');
  return `${options.slice(0, -1).join(', ')} or ${options.at(-1)}`;
}

/** YAML reads `1`, `true` and `on` as numbers and booleans; say how to get a string. */
function quoteHint(expected: string[], value: unknown): string {
  if (!expected.includes('a string') || (typeof value !== 'number' && typeof value !== 'boolean')) return '';
  return ` (write it in quotes: "${String(value)}")`;
}

function typeLabel(path: (string | number)[]): string {
  return path[0] === 'policies' ? 'policy type ' : 'type ';
}

function lookup(input: unknown, path: (string | number)[]): { present: boolean; value?: unknown } {
  let node: unknown = input;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, segment)) return { present: false };
    node = (node as Record<string | number, unknown>)[segment];
  }
  return { present: node !== undefined, value: node };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function describePath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty map' : 'a map';
  // JSON quoting: a control character in the value must not break the one-line FILE:LINE:COL message.
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (typeof value === 'number') return `the number ${value}`;
  return String(value);
}

function article(type: string): string {
  if (type === 'object' || type === 'record') return 'a map';
  if (type === 'array' || type === 'tuple') return 'a list';
  if (type === 'int') return 'an integer';
  if (type === 'boolean') return 'true or false';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}
