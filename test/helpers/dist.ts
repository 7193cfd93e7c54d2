/**
 * Tests that spawn `node bin/switchyard.js` run the compiled dist/. `npm test`
 * builds it first; these checks turn a missing or stale build into a clear
 * message instead of confusing failures.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src-proxy/project-root.js';

const root = projectRoot();

/** Sources under `dirs` whose dist/ output is missing or older than the source. */
function staleOutputs(dirs: readonly string[]): string[] {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
        const out = join(root, 'dist', rel.replace(/\.ts$/, '.js'));
        if (!existsSync(out) || statSync(out).mtimeMs < statSync(join(root, rel)).mtimeMs) stale.push(rel);
      }
    }
  };
  for (const dir of dirs) walk(dir);
  return stale;
}

/** Throws unless dist/ holds an up-to-date build of the sources under `dirs`. */
export function requireFreshDist(dirs: readonly string[]): void {
  if (!existsSync(join(root, 'dist', 'src-proxy', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: build first with `npm run build:node` (`npm test` does this for you)');
  }
  const stale = staleOutputs(dirs);
  if (stale.length > 0) {
    throw new Error(
      `dist/ is older than ${stale.length} source file(s) (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}): ` +
        'rebuild with `npm run build:node` (`npm test` does this for you)',
    );
  }
}
