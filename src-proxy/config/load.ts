/**
 * Workspace loading: YAML with positions → strict schema → compiled plan.
 * Every failure becomes a ConfigIssue at file:line:column; the same issues
 * feed the CLI, the editor markers and the control API.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { compileWorkspace } from './compile.js';
import type { ConfigIssue } from './issues.js';
import type { Plan } from './plan.js';
import { positionOf } from './positions.js';
import { workspaceSchema, type Workspace } from './schema.js';

export interface LoadResult {
  /** Present when there is no error (warnings allowed). */
  plan?: Plan;
  workspace?: Workspace;
  issues: ConfigIssue[];
}

export async function loadWorkspaceFile(file: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    return { issues: [{ file, line: 1, column: 1, message: `cannot read workspace: ${reason}`, path: [], severity: 'error' }] };
  }
  return loadWorkspaceText(text, file);
}

export function loadWorkspaceText(text: string, file = 'workspace.yaml'): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (path: (string | number)[], message: string, severity: ConfigIssue['severity'] = 'error', key = false): ConfigIssue => ({
    file,
    ...positionOf(doc, lineCounter, path, { key }),
    message,
    path,
    severity,
  });

  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { file, line, column: col, message: `YAML: ${firstLine(e.message)}`, path: [], severity: 'error' as const };
      }),
    };
  }

  const parsed = workspaceSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    return { issues: sortIssues(parsed.error.issues.flatMap((issue) => schemaIssue(issue, doc, at))) };
  }

  const { plan, issues } = compileWorkspace(parsed.data);
  const located = issues.map((i) => at(i.path, i.message, i.severity, i.key));
  const failed = located.some((i) => i.severity === 'error');
  return { plan: failed ? undefined : plan, workspace: parsed.data, issues: sortIssues(located) };
}

type At = (path: (string | number)[], message: string, severity?: ConfigIssue['severity'], key?: boolean) => ConfigIssue;

function schemaIssue(issue: z.core.$ZodIssue, doc: Document, at: At): ConfigIssue[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const where = describePath(path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => at([...path, k], `unknown key "${k}"${where ? ` in ${where}` : ''}`, 'error', true));
    case 'invalid_type': {
      const value = doc.getIn(path);
      if (value === undefined) {
        const parent = path.slice(0, -1);
        return [at(parent, `missing required key "${String(path.at(-1))}"${describePath(parent) ? ` in ${describePath(parent)}` : ''}`)];
      }
      return [at(path, `${where}: expected ${article(issue.expected)}, got ${describeValue(value)}`)];
    }
    case 'invalid_union': {
      // A discriminated union with an unknown `type`: name the allowed types.
      const note = (issue as { note?: string }).note;
      if (note === 'No matching discriminator') {
        const options = (issue as { options?: unknown[] }).options;
        return [at([...path, 'type'], `${where}: unknown type${options ? `; expected one of ${options.join(', ')}` : ''}`)];
      }
      const inner = issue.errors.flat();
      if (inner.length > 0) return [at(path, `${where}: ${inner.map((e) => e.message).join(', or ')}`)];
      return [at(path, `${where}: ${issue.message}`)];
    }
    default:
      return [at(path, `${where ? where + ': ' : ''}${issue.message}`)];
  }
}

function describePath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string "${value}"`;
  return `${typeof value} ${String(value)}`;
}

function article(type: string): string {
  if (type === 'object') return 'a map';
  if (type === 'array') return 'a list';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}
