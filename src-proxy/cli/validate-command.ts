/** `switchyard validate FILE`: exit 0 when valid, else `FILE:LINE:COL message` lines and exit 1. */
import { formatIssue } from '../config/issues.js';
import { loadWorkspaceFile } from '../config/load.js';
import type { CliIO } from './io.js';

export async function validateCommand(args: string[], io: CliIO): Promise<number> {
  const file = args[0];
  if (!file || args.length > 1) {
    io.err('usage: switchyard validate FILE');
    return 2;
  }
  const { plan, issues } = await loadWorkspaceFile(file);
  for (const issue of issues) io.out(formatIssue(issue));
  if (!plan) return 1;
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  io.out(`${file}: valid (${count(plan.listeners.length, 'listener')}, ${count(plan.routes.length, 'route')}, ${count(plan.upstreams.size, 'upstream')})`);
  return 0;
}
