/**
 * `switchyard validate FILE` end to end: the real bin script, run by node,
 * against the compiled CLI in dist/. `npm test` builds first; run
 * `npm run build:node` before `vitest run` on its own.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src-proxy/project-root.js';
import { requireFreshDist } from '../helpers/dist.js';

const root = projectRoot();
const bin = join(root, 'bin', 'switchyard.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function switchyard(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

let dir: string;

beforeAll(() => {
  requireFreshDist(['src-proxy/cli', 'src-proxy/config']);
  dir = mkdtempSync(join(tmpdir(), 'swy-cli-'));
  copyFileSync(join(root, 'test', 'config', 'fixtures', 'design-example.yaml'), join(dir, 'design.yaml'));
  writeFileSync(
    join(dir, 'broken.yaml'),
    [
      'version: 1',
      'listeners:',
      '  - { name: web, address: 127.0.0.1:0 }',
      '  - { name: web, address: 127.0.0.1:0 }',
      'routes:',
      '  - name: users',
      '    match: { pathRegex: "^/(users" }',
      '    upstream: users',
      '  - name: ping',
      '    respond: { body: pong }',
      '    upstream: users',
      'upstreams:',
      '  users:',
      '    targets: [{ url: "http://127.0.0.1:9001/api" }]',
      '',
    ].join('\n'),
  );
  // Schema errors (an unknown key, a wrong type) and reference errors in one file.
  writeFileSync(
    join(dir, 'mixed.yaml'),
    [
      'version: 1',
      'listeners:',
      '  - { name: web, address: 127.0.0.1:0, bogus: 1 }',
      'routes:',
      '  - { name: r1, match: { path: /a }, upstream: missing }',
      '  - { name: r1, match: { path: /b }, upstream: missing, policies: [nope] }',
      '  - { name: r3, priority: high, respond: { status: 204 } }',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'syntax.yaml'), 'version: 1\nlisteners:\n  - { name: web, address: 127.0.0.1:0\n');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('switchyard validate (built CLI)', () => {
  it('valid workspace: exit 0, a summary on stdout, nothing on stderr', async () => {
    const run = await switchyard(['validate', 'design.yaml'], dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out.at(-1)).toBe('design.yaml: valid (3 listeners, 2 routes, 1 upstream)');
    for (const line of out.slice(0, -1)) expect(line).toMatch(/^design\.yaml:\d+:\d+ warning: /);
  });

  it('invalid workspace: exit 1 and FILE:LINE:COL message lines, in file order', async () => {
    const run = await switchyard(['validate', 'broken.yaml'], dir);
    expect(run.code).toBe(1);
    expect(lines(run.stdout)).toEqual([
      'broken.yaml:4:13 duplicate listener name "web"',
      'broken.yaml:7:25 invalid regular expression "^/(users": Unterminated group',
      'broken.yaml:10:14 route "ping" has upstream and respond; give exactly one',
      'broken.yaml:14:22 target URL "http://127.0.0.1:9001/api" must not have a path or query; use rewrite instead',
    ]);
  });

  it('lists schema errors and reference errors in one run', async () => {
    const run = await switchyard(['validate', 'mixed.yaml'], dir);
    expect(run.code).toBe(1);
    expect(lines(run.stdout)).toEqual([
      'mixed.yaml:3:40 unknown key "bogus" in listeners[0]',
      'mixed.yaml:5:48 route "r1" names upstream "missing", which is not defined under upstreams',
      'mixed.yaml:6:13 duplicate route name "r1"',
      'mixed.yaml:6:48 route "r1" names upstream "missing", which is not defined under upstreams',
      'mixed.yaml:6:68 route "r1" names policy "nope", which is not defined under policies',
      'mixed.yaml:7:27 routes[2].priority: expected a number, got "high"',
    ]);
  });

  it('an absolute path is printed as given', async () => {
    const file = join(dir, 'syntax.yaml');
    const run = await switchyard(['validate', file], root);
    expect(run.code).toBe(1);
    expect(lines(run.stdout)).toEqual([`${file}:3:5 YAML: this { is never closed with } (or a line inside it is not indented enough)`]);
    expect(relative(root, file)).not.toBe(file);
  });

  it('a missing file: exit 1 with FILE:1:1', async () => {
    const run = await switchyard(['validate', 'nope.yaml'], dir);
    expect(run.code).toBe(1);
    expect(lines(run.stdout)).toEqual(['nope.yaml:1:1 cannot read workspace: file not found']);
  });

  it('usage errors: exit 2 and a usage message on stderr', async () => {
    const noFile = await switchyard(['validate'], dir);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('usage: switchyard validate FILE');

    const twoFiles = await switchyard(['validate', 'design.yaml', 'broken.yaml'], dir);
    expect(twoFiles.code).toBe(2);

    const unknown = await switchyard(['validat', 'design.yaml'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "validat"');
  });
});
