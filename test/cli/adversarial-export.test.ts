/**
 * `switchyard export -o OUT` where OUT cannot be written, and where the output
 * holds secrets in clear (it must not be world-readable). In-process runCli.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src-proxy/cli/io.js';
import { runCli } from '../../src-proxy/cli/main.js';

let dir: string;
let ws: string;
const io = (): CliIO & { stdout: string[]; stderr: string[] } => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l: string) => stdout.push(l), err: (l: string) => stderr.push(l) };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sy-adv-export-'));
  ws = join(dir, 'ws.yaml');
  writeFileSync(
    ws,
    [
      'version: 1',
      'listeners: [{ name: web, address: 127.0.0.1:0 }]',
      'routes: [{ name: api, policies: [keys], upstream: api }]',
      'upstreams: { api: { targets: [{ url: "http://127.0.0.1:9001" }] } }',
      'policies: { keys: { type: api-key, keys: { k-very-secret: { consumer: alice } } } }',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('export -o', () => {
  it('an unwritable OUT is exit 1 with the reason, not exit 2 with a raw errno', async () => {
    const missing = io();
    expect(await runCli(['export', '--target', 'nginx', ws, '-o', join(dir, 'no', 'such', 'out.conf')], { io: missing })).toBe(1);
    expect(missing.stderr.at(-1)).toBe(`switchyard export: cannot write ${join(dir, 'no', 'such', 'out.conf')}: no such directory`);
    const isDir = io();
    expect(await runCli(['export', '--target', 'nginx', ws, '-o', dir], { io: isDir })).toBe(1);
    expect(isDir.stderr.at(-1)).toBe(`switchyard export: cannot write ${dir}: it is a directory`);
  });

  it('with --include-secrets the file is created 0600', async () => {
    const out = join(dir, 'secret.conf');
    expect(await runCli(['export', '--target', 'kong', ws, '-o', out, '--include-secrets'], { io: io() })).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });
});
