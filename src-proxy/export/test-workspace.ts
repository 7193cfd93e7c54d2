/** Test helper for exporter unit tests: a workspace text → plan, failing loudly on config errors. */
import { loadWorkspaceText } from '../config/load.js';
import type { Plan } from '../config/plan.js';
import type { ExportResult, Fidelity } from './exporter.js';

export function planOf(yaml: string): Plan {
  const { plan, issues } = loadWorkspaceText(yaml, 'test.yaml');
  if (!plan) throw new Error(issues.map((i) => `${i.line}:${i.column} ${i.message}`).join('\n'));
  return plan;
}

/** The notes about `subject` (prefix match), as "fidelity: detail". */
export function notesAbout(result: ExportResult, subject: string, fidelity?: Fidelity): string[] {
  return result.notes
    .filter((n) => n.subject.startsWith(subject) && (fidelity === undefined || n.fidelity === fidelity))
    .map((n) => `${n.fidelity}: ${n.detail}`);
}
