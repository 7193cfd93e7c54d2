/**
 * `switchyard validate FILE` (or `-` for standard input): exit 0 when valid,
 * else `FILE:LINE:COL message` lines and exit 1; usage errors exit 2.
 */
import { parseArgs } from 'node:util';
import { formatIssue } from '../config/issues.js';
import { loadWorkspaceFile, loadWorkspaceText, type LoadResult } from '../config/load.js';
import { decodeWorkspace } from '../config/read-workspace.js';
import type { CliIO } from './io.js';

export const STDIN_LABEL = '<stdin>';

export async function validateCommand(args: string[], io: CliIO, stdin: AsyncIterable<Uint8Array> = process.stdin): Promise<number> {
  // --data-dir is accepted like on every command; validate does not use it.
  const { positionals } = parseArgs({ args, options: { 'data-dir': { type: 'string' } }, allowPositionals: true, strict: true });
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    io.err('usage: switchyard validate FILE');
    return 2;
  }
  const label = file === '-' ? STDIN_LABEL : file;
  const { plan, issues } = file === '-' ? await loadStdin(stdin) : await loadWorkspaceFile(file);
  for (const issue of issues) io.out(formatIssue(issue));
  if (!plan) return 1;
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  io.out(`${label}: valid (${count(plan.listeners.length, 'listener')}, ${count(plan.routes.length, 'route')}, ${count(plan.upstreams.size, 'upstream')})`);
  return 0;
}

async function loadStdin(stdin: AsyncIterable<Uint8Array>): Promise<LoadResult> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stdin) chunks.push(chunk);
  const read = decodeWorkspace(Buffer.concat(chunks), STDIN_LABEL);
  return read.issue ? { issues: [read.issue] } : loadWorkspaceText(read.text, STDIN_LABEL);
}
