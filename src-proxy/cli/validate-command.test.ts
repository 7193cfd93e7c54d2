import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../project-root.js';
import type { CliIO } from './io.js';
import { runCli } from './main.js';
import { validateCommand } from './validate-command.js';

function captureIO(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

let dir: string;
let valid: string;
let design: string;
let invalid: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'swy-validate-'));
  valid = join(dir, 'valid.yaml');
  writeFileSync(
    valid,
    [
      'version: 1',
      'listeners:',
      '  - { name: web, address: 127.0.0.1:0 }',
      'routes:',
      '  - { name: ping, match: { path: /ping }, respond: { body: pong } }',
      '  - { name: api, match: { path: /api }, upstream: api }',
      'upstreams:',
      '  api: { targets: [{ url: "http://127.0.0.1:9001" }] }',
      '',
    ].join('\n'),
  );
  design = join(dir, 'design.yaml');
  copyFileSync(join(projectRoot(), 'test', 'config', 'fixtures', 'design-example.yaml'), design);
  invalid = join(dir, 'invalid.yaml');
  writeFileSync(
    invalid,
    [
      'version: 1',
      'listeners:',
      '  - { name: web, address: 127.0.0.1:0, colour: red }',
      'routes:',
      '  - name: api',
      '    upstream: ghost',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validateCommand', () => {
  it('valid: exit 0 and a one-line summary', async () => {
    const io = captureIO();
    expect(await validateCommand([valid], io)).toBe(0);
    expect(io.stdout).toEqual([`${valid}: valid (1 listener, 2 routes, 1 upstream)`]);
    expect(io.stderr).toEqual([]);
  });

  it('valid with warnings: exit 0, warnings as FILE:LINE:COL warning: lines before the summary', async () => {
    const io = captureIO();
    expect(await validateCommand([design], io)).toBe(0);
    const summary = io.stdout.at(-1);
    expect(summary).toBe(`${design}: valid (3 listeners, 2 routes, 1 upstream)`);
    for (const line of io.stdout.slice(0, -1)) expect(line).toMatch(new RegExp(`^${escape(design)}:\\d+:\\d+ warning: `));
  });

  it('invalid: exit 1 and one FILE:LINE:COL message line per problem, schema and reference problems in one run', async () => {
    const io = captureIO();
    expect(await validateCommand([invalid], io)).toBe(1);
    expect(io.stdout).toEqual([
      `${invalid}:3:40 unknown key "colour" in listeners[0]`,
      `${invalid}:6:15 route "api" names upstream "ghost", which is not defined under upstreams`,
    ]);

    const fixed = join(dir, 'fixed.yaml');
    writeFileSync(fixed, ['version: 1', 'listeners:', '  - { name: web, address: 127.0.0.1:0 }', 'routes:', '  - name: api', '    upstream: ghost', ''].join('\n'));
    const io2 = captureIO();
    expect(await validateCommand([fixed], io2)).toBe(1);
    expect(io2.stdout).toEqual([`${fixed}:6:15 route "api" names upstream "ghost", which is not defined under upstreams`]);
  });

  it('a file that does not exist: exit 1 with FILE:1:1', async () => {
    const io = captureIO();
    const missing = join(dir, 'missing.yaml');
    expect(await validateCommand([missing], io)).toBe(1);
    expect(io.stdout).toEqual([`${missing}:1:1 cannot read workspace: file not found`]);
  });

  it('usage errors: exit 2 with the usage on stderr', async () => {
    for (const args of [[], [valid, invalid]]) {
      const io = captureIO();
      expect(await validateCommand(args, io)).toBe(2);
      expect(io.stderr).toEqual(['usage: switchyard validate FILE']);
      expect(io.stdout).toEqual([]);
    }
  });
});

describe('runCli', () => {
  it('dispatches validate', async () => {
    const io = captureIO();
    expect(await runCli(['validate', valid], { io })).toBe(0);
    expect(io.stdout).toHaveLength(1);
    expect(await runCli(['validate', invalid], { io: captureIO() })).toBe(1);
  });

  it('usage errors exit 2: no command, unknown command, validate without FILE', async () => {
    const none = captureIO();
    expect(await runCli([], { io: none })).toBe(2);
    expect(none.stdout.join('\n')).toMatch(/^usage: switchyard <command>/);

    const unknown = captureIO();
    expect(await runCli(['vaildate', valid], { io: unknown })).toBe(2);
    expect(unknown.stderr.join('\n')).toMatch(/^switchyard: unknown command "vaildate"/);

    expect(await runCli(['validate'], { io: captureIO() })).toBe(2);
  });

  it('help exits 0', async () => {
    const io = captureIO();
    expect(await runCli(['--help'], { io })).toBe(0);
    expect(io.stdout.join('\n')).toContain('validate FILE');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
