/**
 * `switchyard history export-har` (the compiled CLI; run `npm run build:node`
 * first) never cuts an export short silently, and a history file that is not
 * ours is reported, not overwritten.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { History } from '../../src-proxy/history/history.js';
import { projectRoot } from '../../src-proxy/project-root.js';
import { requireFreshDist } from '../helpers/dist.js';
import { makeExchange, tempDir } from './fixtures.js';

const bin = join(projectRoot(), 'bin', 'switchyard.js');
const run = (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000, env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });

const t = tempDir('switchyard-history-cli-');
beforeAll(async () => {
  requireFreshDist(['src-proxy/har', 'src-proxy/history']);
  const history = await History.open({ dataDir: t.dir });
  for (let n = 0; n < 5; n++) history.record(makeExchange(n));
  await history.close();
});
afterAll(() => t.cleanup());

describe('history export-har, adversarial', () => {
  it('says so when more exchanges match than --limit lets it write', async () => {
    const file = join(t.dir, 'two.har');
    const r = await run(['history', 'export-har', '', '-o', file, '--limit', '2', '--data-dir', t.dir]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`2 exchanges written to ${file}`);
    expect(r.stderr).toMatch(/more exchanges match: only the newest 2 were written/);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { log: { entries: unknown[] } }).log.entries).toHaveLength(2);
    const all = await run(['history', 'export-har', '', '-o', join(t.dir, 'all.har'), '--limit', '5', '--data-dir', t.dir]);
    expect(all.stderr).toBe('');
  });

  it('prints local times, as after: and before: read them', async () => {
    const env = { ...process.env, TZ: 'America/New_York' };
    // makeExchange(n) starts at 10:00:0n UTC: 05:00:0n in New York in November.
    const all = await run(['history', 'search', '', '--data-dir', t.dir], env);
    expect(all.stdout.split('\n')[0]).toMatch(/^2026-11-20 05:00:04\.000 {2}/);
    const after = await run(['history', 'search', 'after:2026-11-20T05:00:02', '--data-dir', t.dir], env);
    expect(after.stdout.trim().split('\n').at(-1)).toBe('3 of 3 matching exchanges');
    // A printed time pasted back as it is, quoted.
    const pasted = await run(['history', 'search', 'after:"2026-11-20 05:00:02.000"', '--data-dir', t.dir], env);
    expect(pasted.stdout.trim().split('\n').at(-1)).toBe('3 of 3 matching exchanges');
    const show = await run(['history', 'show', makeExchange(1).id, '--data-dir', t.dir], env);
    expect(show.stdout.split('\n')[0]).toContain(' at 2026-11-20 05:00:01.000 ');
  });

  it('takes a query that starts with - (search, export-har, delete), and still reads the options', async () => {
    const search = await run(['history', 'search', '-path:/users/1', '--data-dir', t.dir]);
    expect(search.stderr).toBe('');
    expect(search.stdout.trim().split('\n').at(-1)).toBe('4 of 4 matching exchanges');
    const file = join(t.dir, 'negated.har');
    const exported = await run(['history', 'export-har', '-path:/users/1 -path:/users/2', '-o', file, '--data-dir', t.dir]);
    expect(exported.stderr).toBe('');
    expect(exported.stdout.trim()).toBe(`3 exchanges written to ${file}`);
    const deleted = await run(['history', 'delete', '-host:api.localhost', '--data-dir', t.dir]);
    expect(deleted).toMatchObject({ code: 0, stderr: '', stdout: '0 exchanges deleted\n' });
    const word = await run(['history', 'search', '-timeout', '--data-dir', t.dir]);
    expect(word.code).toBe(2);
    expect(word.stderr).toContain("goes after --");
    expect((await run(['history', 'search', '--data-dir', t.dir, '--', '-timeout'])).stdout).toContain('5 of 5 matching exchanges');
  });

  it('reports a history file that is not a database, and leaves it alone', async () => {
    const other = tempDir('switchyard-history-cli-');
    try {
      writeFileSync(join(other.dir, 'history.db'), 'not a database');
      const r = await run(['history', 'search', '', '--data-dir', other.dir]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/history\.db is not a Switchyard history database/);
      expect(readFileSync(join(other.dir, 'history.db'), 'utf8')).toBe('not a database');
    } finally {
      other.cleanup();
    }
  });
});
