/**
 * A valid workspace can still fail to apply: its listener's port is taken by
 * another process, needs privileges, or names an address this machine does
 * not have. Such a failure is reported like a validation problem, at the
 * listener's `address`, so the editor can mark the line.
 */
import type { ConfigIssue } from '../config/issues.js';
import { issueAt } from '../config/load.js';
import type { Plan } from '../config/plan.js';

const BIND_REASONS: Record<string, string> = {
  EADDRINUSE: 'the address is already in use by another process',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'this machine has no such address',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved',
};

/** The located issue when `err` is a listener that could not bind, else null. `hotApply`: say the running configuration stays. */
export function bindFailureIssue(err: unknown, plan: Plan, text: string, file: string, hotApply = true): ConfigIssue | null {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  const reason = e.code !== undefined ? BIND_REASONS[e.code] : undefined;
  if (reason === undefined) return null;
  // The error names the resolved address (`localhost` fails as 127.0.0.1): prefer an exact match, else the port.
  const named = (l: Plan['listeners'][number]) => l.host === e.address || l.host === e.hostname;
  const onPort = (l: Plan['listeners'][number]) => e.port !== undefined && e.port !== 0 && l.port === e.port;
  let index = plan.listeners.findIndex((l) => named(l) && (e.port === undefined || onPort(l)));
  if (index === -1) index = plan.listeners.findIndex(onPort);
  if (index === -1) return null;
  const l = plan.listeners[index]!;
  const where = `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`;
  const stays = hotApply ? '; the running configuration is unchanged' : '';
  return issueAt(text, file, ['listeners', index, 'address'], `listener "${l.name}" cannot listen on ${where}: ${reason} (${e.code})${stays}`);
}

/** Any failure of a hot apply as an issue: at the listener for bind errors, else at the top of the file. */
export function applyFailureIssue(err: unknown, plan: Plan, text: string, file: string): ConfigIssue {
  return (
    bindFailureIssue(err, plan, text, file) ??
    issueAt(text, file, [], `cannot apply the workspace: ${(err as Error).message ?? String(err)}; the running configuration is unchanged`)
  );
}
