/**
 * The capture settings (masking, body cap) of a workspace file, for commands
 * that record into history without a running `serve` to ask.
 */
import { resolve } from 'node:path';
import { formatIssue } from '../config/issues.js';
import { loadWorkspaceText } from '../config/load.js';
import type { CapturePlan } from '../config/plan.js';
import { readWorkspaceFile } from '../config/read-workspace.js';
import type { CliIO } from './io.js';

/** The plan's capture settings; undefined (with the problems written to stderr) when the file is not a valid workspace. */
export async function workspaceCapture(file: string, io: CliIO): Promise<CapturePlan | undefined> {
  const read = await readWorkspaceFile(resolve(file), file);
  const loaded = read.issue ? { plan: null, issues: [read.issue] } : loadWorkspaceText(read.text, file);
  if (!loaded.plan) {
    for (const issue of loaded.issues) if (issue.severity === 'error') io.err(formatIssue(issue));
    return undefined;
  }
  return loaded.plan.capture;
}
