/**
 * `switchyard export --target T FILE [-o OUT] [--strict] [--include-secrets]`:
 * the translated config on stdout (or OUT), the translation report on stderr.
 * `--strict` refuses any construct that does not translate exactly and then
 * writes nothing.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatIssue } from '../config/issues.js';
import { isSwitchyardError } from '../errors.js';
import { loadWorkspaceFile } from '../config/load.js';
import { EXPORT_TARGETS, isExportTarget, renderExport, strictProblems } from '../export/index.js';
import { reportLines } from '../export/report.js';
import type { CliIO } from './io.js';

const USAGE = `usage: switchyard export --target ${EXPORT_TARGETS.join('|')} FILE [-o OUT] [--strict] [--include-secrets]`;

export async function exportCommand(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        target: { type: 'string', short: 't' },
        output: { type: 'string', short: 'o' },
        strict: { type: 'boolean' },
        'include-secrets': { type: 'boolean' },
        'data-dir': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.err(`switchyard export: ${(err as Error).message}`);
    io.err(USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  const target = values.target;
  if (target === undefined || !isExportTarget(target) || positionals.length !== 1) {
    if (target !== undefined && !isExportTarget(target)) io.err(`switchyard export: unknown target "${target}"`);
    io.err(USAGE);
    return 2;
  }
  const file = positionals[0];
  const { plan, issues } = await loadWorkspaceFile(file);
  for (const issue of issues) io.err(formatIssue(issue));
  if (!plan) return 1;

  let result;
  try {
    result = renderExport(plan, target, { includeSecrets: values['include-secrets'] ?? false });
  } catch (err) {
    // A value no config of that target can carry (see export/shared/export-guard.ts): the workspace's problem, not usage.
    if (!isSwitchyardError(err) || err.code !== 'CONFIG_INVALID') throw err;
    const problems = err.extensions?.problems;
    io.err(`switchyard export: cannot export ${file} to ${target}; nothing written`);
    for (const p of Array.isArray(problems) ? problems : [err.message]) io.err(`  ${String(p)}`);
    return 1;
  }
  if (values.strict) {
    const problems = strictProblems(result);
    if (problems.length > 0) {
      for (const line of reportLines(problems, target).slice(0, -1)) io.err(line);
      io.err(`switchyard export: --strict: ${problems.length} construct${problems.length === 1 ? '' : 's'} do${problems.length === 1 ? 'es' : ''} not translate exactly to ${target}; nothing written`);
      return 1;
    }
  }
  for (const line of reportLines(result.notes, target)) io.err(line);
  if (values['include-secrets']) io.err(`${target}: secrets are written in clear (--include-secrets)`);
  if (values.output) {
    try {
      // Secrets in clear are for the owner's eyes only.
      await writeFile(values.output, result.text, values['include-secrets'] ? { mode: 0o600 } : {});
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const reason = e.code === 'ENOENT' ? 'no such directory' : e.code === 'EISDIR' ? 'it is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
      io.err(`switchyard export: cannot write ${values.output}: ${reason}`);
      return 1;
    }
    io.err(`${target}: wrote ${values.output}`);
  } else {
    io.out(result.text.replace(/\n$/, ''));
  }
  return 0;
}
