/**
 * `switchyard export` end to end: the real bin script, run by node, against
 * the compiled CLI in dist/ (`npm test` builds first; run `npm run build:node`
 * before `vitest run` on its own).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../../src-proxy/project-root.js';
import { requireFreshDist } from '../helpers/dist.js';

const root = projectRoot();
const bin = join(root, 'bin', 'switchyard.js');

function switchyard(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
const design = join(root, 'resources', 'examples', 'design.yaml');

beforeAll(() => {
  requireFreshDist(['src-proxy/cli', 'src-proxy/config', 'src-proxy/export']);
  dir = mkdtempSync(join(tmpdir(), 'swy-cli-export-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('switchyard export (bin)', () => {
  it('writes the Envoy config to stdout, the report to stderr, exit 0', async () => {
    const run = await switchyard(['export', '--target', 'envoy', design]);
    expect(run.code).toBe(0);
    expect(parse(run.stdout).static_resources.clusters[0].name).toBe('users');
    expect(run.stderr).toContain('envoy: not translated: listener egress: forward-proxy mode has no Envoy equivalent; listener left out');
    expect(run.stdout).not.toContain('k-free-1');
  });

  it('--strict on the DESIGN.md workspace: exit 1, nothing written', async () => {
    const out = join(dir, 'kong.yaml');
    const run = await switchyard(['export', '--target', 'kong', design, '-o', out, '--strict']);
    expect(run.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(/--strict: \d+ constructs do not translate exactly to kong; nothing written$/);
  });

  it('-o writes the Gateway API documents', async () => {
    const out = join(dir, 'gw.yaml');
    const run = await switchyard(['export', '--target', 'gateway-api', design, '-o', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toContain('kind: HTTPRoute');
  });

  it('invalid workspace: FILE:LINE:COL on stderr, exit 1; unknown target: exit 2', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nlisteners:\n  - { name: web, address: nowhere }\n');
    const run = await switchyard(['export', '--target', 'traefik', bad]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+ `));
    const unknown = await switchyard(['export', '--target', 'apache', design]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: switchyard export --target');
  });

  it('a value the target cannot carry: each problem on stderr, exit 1, nothing written', async () => {
    const ws = join(dir, 'unexportable.yaml');
    const out = join(dir, 'unexportable.cfg');
    writeFileSync(
      ws,
      'version: 1\nlisteners:\n  - { name: web, address: "127.0.0.1:0" }\nroutes:\n  - { name: r, match: { path: /x, headers: { x-t: "a\\nhttp-request deny" } }, respond: {} }\n',
    );
    const run = await switchyard(['export', '--target', 'haproxy', ws, '-o', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot export ${ws} to haproxy; nothing written`);
    expect(run.stderr).toMatch(/route r: match\.headers\.x-t: .* contains a control character/);
    expect(existsSync(out)).toBe(false);
  });
});
