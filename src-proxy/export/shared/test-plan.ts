/** Test fixture: a plan from inline YAML, failing loudly on config errors. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadWorkspaceText } from '../../config/load.js';
import type { Plan } from '../../config/plan.js';

export function planFrom(yaml: string): Plan {
  const { plan, issues } = loadWorkspaceText(yaml, 'test.yaml');
  const errors = issues.filter((i) => i.severity === 'error');
  if (!plan || errors.length > 0) throw new Error(errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'));
  return plan;
}

export function examplePlan(name: string): Plan {
  return planFrom(readFileSync(path.resolve('resources/examples', `${name}.yaml`), 'utf8'));
}
