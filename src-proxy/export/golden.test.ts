/**
 * Golden files: every example workspace in resources/examples/ exported to
 * every target, compared with resources/examples/expected/<example>/<target>/<file>.
 * A change to an exporter shows as a readable diff of these files.
 * Regenerate with: UPDATE_GOLDEN=1 npx vitest run src-proxy/export/golden.test.ts
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkspaceFile } from '../config/load.js';
import { projectRoot } from '../project-root.js';
import { EXPORT_TARGETS, renderExport } from './index.js';

const examplesDir = join(projectRoot(), 'resources', 'examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml')).sort();
const update = process.env.UPDATE_GOLDEN === '1';

describe('golden exports', () => {
  it('has examples, the DESIGN.md §3 workspace among them', () => {
    expect(examples).toContain('design.yaml');
  });

  for (const example of examples) {
    const name = basename(example, '.yaml');
    for (const target of EXPORT_TARGETS) {
      it(`${name} → ${target}`, async () => {
        const { plan, issues } = await loadWorkspaceFile(join(examplesDir, example));
        expect(plan, issues.map((i) => i.message).join('\n')).toBeDefined();
        const result = renderExport(plan!, target, { includeSecrets: false });
        const dir = join(examplesDir, 'expected', name, target);
        const file = join(dir, result.fileName);
        if (update) {
          mkdirSync(dir, { recursive: true });
          writeFileSync(file, result.text);
          return;
        }
        expect(existsSync(file), `${file} is missing: regenerate with UPDATE_GOLDEN=1`).toBe(true);
        expect(result.text).toBe(readFileSync(file, 'utf8'));
      });
    }
  }
});
