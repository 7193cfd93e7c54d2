/** Purge and stats through the control service, over the headless HTTP API, and with `switchyard cache purge`. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecentExchanges } from '../../src-proxy/capture/recent-exchanges.js';
import { runCli } from '../../src-proxy/cli/main.js';
import { writeServeInfo } from '../../src-proxy/cli/serve-info.js';
import { ControlService } from '../../src-proxy/control/control-service.js';
import type { WorkspaceSource } from '../../src-proxy/control/workspace-source.js';
import { startHeadlessHost, type HeadlessHost } from '../../src-main/headless/host.js';
import { reply, startRig, type CacheRig } from './rig.js';

let rig: CacheRig | null = null;
let host: HeadlessHost | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await host?.close();
  host = null;
  await rig?.close();
  rig = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function filled(): Promise<{ rig: CacheRig; control: ControlService }> {
  const r = await startRig();
  for (const p of ['/api/a', '/api/b', '/static/x']) r.origin.on(p, reply(p, { 'cache-control': 'max-age=600' }));
  for (const p of ['/api/a', '/api/b', '/static/x']) await r.get(p);
  // Only the engine is used by the cache methods.
  const control = new ControlService({
    engine: r.gateway.engine,
    workspace: null as unknown as WorkspaceSource,
    history: null,
    recent: new RecentExchanges(),
    info: { version: '0.0.0-test', dataDir: '/nonexistent' },
  });
  return { rig: r, control };
}

const status = async (r: CacheRig, p: string) => (await r.get(p)).headers['cache-status'] ?? '';

describe('cache purge through the control service', () => {
  it('purges by key, by prefix and all, and reports stats', async () => {
    const f = await filled();
    rig = f.rig;
    const stats = (await f.control.call('cache.stats', {})) as { policies: Record<string, { entries: number; stored: number }> };
    expect(stats.policies.c).toMatchObject({ entries: 3, stored: 3 });

    expect(await f.control.call('cache.purge', { key: 'GET 127.0.0.1/api/a' })).toEqual({ purged: 1, byPolicy: { c: 1 } });
    expect(await status(rig, '/api/a')).toContain('fwd=uri-miss');
    expect(await status(rig, '/api/b')).toContain('hit');

    expect(await f.control.call('cache.purge', { prefix: '/api/' })).toMatchObject({ purged: 2 });
    expect(await status(rig, '/api/b')).toContain('fwd=uri-miss');
    expect(await status(rig, '/static/x')).toContain('hit');

    // /api/b was fetched (and stored) again above.
    expect(await f.control.call('cache.purge', { all: true })).toMatchObject({ purged: 2 });
    expect(await status(rig, '/static/x')).toContain('fwd=uri-miss');
  });

  it('refuses a purge without exactly one selector, and an unknown policy', async () => {
    const f = await filled();
    rig = f.rig;
    await expect(f.control.call('cache.purge', {})).rejects.toThrow(/Invalid arguments/);
    await expect(f.control.call('cache.purge', { key: 'k', all: true })).rejects.toThrow(/Invalid arguments/);
    await expect(f.control.call('cache.purge', { all: true, policy: 'nope' })).rejects.toThrow(/No running cache policy/);
  });
});

describe('switchyard cache purge (CLI against a running control API)', () => {
  it('finds the running gateway through serve.json and purges', async () => {
    const f = await filled();
    rig = f.rig;
    const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-cache-cli-'));
    dirs.push(dataDir);
    host = await startHeadlessHost({ control: f.control, engine: rig.gateway.engine, port: 0, log: () => undefined });
    await writeServeInfo(dataDir, { pid: process.pid, api: host.origin, token: host.token });
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };

    expect(await runCli(['cache', 'purge', '--prefix', '127.0.0.1/static/', '--data-dir', dataDir], { io })).toBe(0);
    expect(out.pop()).toBe('purged 1 stored response(s)');
    expect(await status(rig, '/static/x')).toContain('fwd=uri-miss');

    expect(await runCli(['cache', 'purge', '--key', 'GET 127.0.0.1/api/a', '--data-dir', dataDir], { io })).toBe(0);
    expect(out.pop()).toBe('purged 1 stored response(s)');
    expect(await runCli(['cache', 'purge', '--all', '--data-dir', dataDir], { io })).toBe(0);
    expect(out.pop()).toBe('purged 2 stored response(s)');

    expect(await runCli(['cache', 'stats', '--data-dir', dataDir], { io })).toBe(0);
    expect(JSON.parse(out.pop()!).policies.c.purged).toBe(4);

    expect(await runCli(['cache', 'purge', '--data-dir', dataDir], { io })).toBe(2);
    expect(err.pop()).toMatch(/^usage: switchyard cache purge/);
  });

  it('says so when no gateway runs for the data dir', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-cache-cli-'));
    dirs.push(dataDir);
    const err: string[] = [];
    expect(await runCli(['cache', 'purge', '--all', '--data-dir', dataDir], { io: { out: () => {}, err: (l) => err.push(l) } })).toBe(1);
    expect(err[0]).toMatch(/no running `switchyard serve`/);
  });
});
