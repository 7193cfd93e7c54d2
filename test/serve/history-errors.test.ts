/**
 * `switchyard serve` says so on stderr when history cannot be written (a
 * full disk, a read-only or locked history.db) and keeps serving: before,
 * every exchange was lost while only history.stats knew.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { historyErrorReporter } from '../../src-proxy/cli/serve-command.js';
import { projectRoot } from '../../src-proxy/project-root.js';
import { requireFreshDist } from '../helpers/dist.js';

const cleanups: (() => unknown)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function waitFor(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} on ${stream} within ${ms} ms; got: ${text}`)), ms);
    child[stream]!.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
  });
}

describe('serve with a history it cannot write', () => {
  it('reports the failed writes on stderr and keeps serving', { timeout: 60_000 }, async () => {
    requireFreshDist(['src-proxy', 'src-main/headless']);
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-history-errors-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = join(dir, 'ws.yaml');
    writeFileSync(
      config,
      'version: 1\nlisteners:\n  - { name: web, address: "127.0.0.1:0" }\nroutes:\n  - { name: hi, match: { path: / }, respond: { status: 200, body: hi } }\n',
    );
    const child = spawn(process.execPath, [join(projectRoot(), 'bin', 'switchyard.js'), 'serve', '--config', config, '--no-ui', '--data-dir', join(dir, 'data')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => child.kill('SIGKILL'));
    // The batch's failure, or indexing's if it met the lock first (the reporter then holds the next line back 30 s).
    const errors = waitFor(child, 'stderr', /warning: history (batch of \d+|indexing or checkpoint) failed: database is locked[^\n]*\n/, 40_000);
    const listener = await waitFor(child, 'stdout', /http:\/\/127\.0\.0\.1:\d+/, 10_000);

    // Once the writer has opened the database (migrations take the write lock too) and stored a first exchange,
    const db = new Database(join(dir, 'data', 'history.db'));
    cleanups.push(() => db.close());
    expect(await (await fetch(`${listener}/zero`)).text()).toBe('hi');
    const deadline = Date.now() + 15_000;
    while ((db.prepare('SELECT count(*) AS n FROM exchanges').get() as { n: number }).n < 1) {
      if (Date.now() > deadline) throw new Error('the first exchange never reached history.db');
      await new Promise((r) => setTimeout(r, 50));
    }
    // another connection holds the write lock past the writer's busy timeout (5 s): the next batch fails.
    db.exec('BEGIN IMMEDIATE');
    const res = await fetch(`${listener}/one`);
    expect(await res.text()).toBe('hi');
    expect(await errors).toContain('history.stats');
    db.exec('ROLLBACK');
    // Still serving.
    expect(await (await fetch(`${listener}/two`)).text()).toBe('hi');
  });

  it('reports the first failure at once, then at most one per 30 s with how many it left out', () => {
    const lines: string[] = [];
    let now = 1000;
    const report = historyErrorReporter({ err: (l) => lines.push(l) }, () => now);
    report(new Error('history batch of 3 failed: database or disk is full'));
    for (let i = 0; i < 50; i++) {
      now += 100;
      report(new Error('history batch of 1 failed: database or disk is full'));
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: history batch of 3 failed: database or disk is full;/);
    now += 30_000;
    report(new Error('history batch of 2 failed: database or disk is full'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('(and 50 more history error(s) since the last report)');
  });
});
