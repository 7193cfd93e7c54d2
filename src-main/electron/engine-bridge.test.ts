/**
 * The desktop app's engine bridge against the real engine child
 * (`node bin/switchyard.js serve`, from dist/: run `npm run build:node` first),
 * with a fake ipcMain and fake windows: calls are forwarded, event batches
 * arrive, quit stops the child gracefully, a crash is reported and the engine
 * restarts; start failures carry the child's stderr.
 */
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src-proxy/project-root.js';
import { EVENTS_CHANNEL, EVENTS_SUBSCRIBE_CHANNEL, RPC_CHANNEL, type RpcEnvelope } from './api.js';
import type { DesktopArgs } from './desktop-args.js';
import { EngineBridge, type EngineBridgeOptions, type EngineState } from './engine-bridge.js';
import { registerControlIpc, registerEventsIpc, type IpcMainLike, type SendEventLike } from './ipc.js';
import { spawnNode } from './node-binary.js';

const APP = 'app://switchyard/index.html';
const isTrusted = (url: string) => url.startsWith('app://switchyard/');
const WORKSPACE = 'version: 1\nlisteners:\n  - { name: web, address: 127.0.0.1:0 }\nroutes:\n  - { name: ping, match: { path: /ping }, respond: { status: 200, body: pong } }\n';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(() => {
  if (!existsSync(join(projectRoot(), 'dist', 'src-proxy', 'cli', 'main.js'))) throw new Error('run `npm run build:node` first: the engine child runs dist/');
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swy-bridge-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function bridgeFor(dir: string, args: Partial<DesktopArgs> = {}, opts: Partial<EngineBridgeOptions> = {}): EngineBridge {
  const bridge = new EngineBridge({
    appRoot: projectRoot(),
    args: { config: null, dataDir: null, demoTraffic: 0, ...args },
    dataDir: join(dir, 'data'),
    nodes: [process.execPath],
    log: () => undefined,
    graceMs: 5_000,
    ...opts,
  });
  cleanups.push(() => bridge.stop());
  return bridge;
}

function workspace(dir: string, text = WORKSPACE): string {
  const file = join(dir, 'ws.yaml');
  writeFileSync(file, text);
  return file;
}

/** ipcMain and one window, as far as ipc.ts uses them. */
function fakeElectron() {
  let handler: ((event: unknown, ...args: unknown[]) => Promise<RpcEnvelope>) | null = null;
  const listeners = new Set<(event: SendEventLike, ...args: unknown[]) => void>();
  const ipc: IpcMainLike = {
    handle: (channel, l) => void (channel === RPC_CHANNEL && (handler = l as never)),
    removeHandler: () => void (handler = null),
    on: (channel, l) => channel === EVENTS_SUBSCRIBE_CHANNEL && listeners.add(l),
    removeListener: (_channel, l) => listeners.delete(l),
  };
  const batches: string[] = [];
  const sender = { id: 1, send: (channel: string, batch: unknown) => void (channel === EVENTS_CHANNEL && batches.push(batch as string)), isDestroyed: () => false, once: () => undefined };
  return {
    ipc,
    batches,
    invoke: (method: string, args?: unknown) => handler!({ senderFrame: { url: APP } }, method, args),
    subscribe: () => listeners.forEach((l) => l({ senderFrame: { url: APP }, sender }, true)),
  };
}

function wire(bridge: EngineBridge) {
  const fake = fakeElectron();
  registerControlIpc(fake.ipc, bridge, isTrusted);
  const events = registerEventsIpc(fake.ipc, bridge.events, isTrusted);
  cleanups.push(() => events.close());
  return fake;
}

function completed(batches: readonly string[]): { type: string; route?: string | null }[] {
  return batches.flatMap((b) => JSON.parse(b) as { type: string; route?: string | null }[]).filter((e) => e.type === 'exchange.complete');
}

/** Sends requests through the gateway until a batch with a completed exchange has reached the window (the event socket connects asynchronously). */
async function trafficUntilEvents(fake: ReturnType<typeof fakeElectron>, from = 0): Promise<void> {
  const list = (await fake.invoke('listeners.list')) as { ok: true; value: { url: string }[] };
  for (let i = 0; i < 100 && completed(fake.batches.slice(from)).length === 0; i++) {
    const res = await fetch(`${list.value[0]!.url}/ping`);
    expect(await res.text()).toBe('pong');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An app root whose "switchyard" never serves: it writes its pid, says something on stderr and waits. */
function neverReadyApp(dir: string): string {
  mkdirSync(join(dir, 'bin'));
  const pidFile = join(dir, 'pid');
  writeFileSync(join(dir, 'bin', 'switchyard.js'), `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nconsole.error('still loading');\nsetInterval(() => {}, 1000);\n`);
  writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}');
  return pidFile;
}

/** True once the process whose pid is in `pidFile` has gone (waits a little: a kill is asynchronous). */
async function exitOf(pidFile: string): Promise<boolean> {
  const pid = Number(readFileSync(pidFile, 'utf8'));
  for (let i = 0; i < 50 && !gone(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return gone(pid);
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

describe('engine bridge', () => {
  it('forwards calls and event batches to the window, and stops the child gracefully', async () => {
    const dir = tempDir();
    const file = workspace(dir);
    const bridge = bridgeFor(dir, { config: file });
    const fake = wire(bridge);
    // A call made while the engine starts waits for it.
    const starting = bridge.start();
    const early = fake.invoke('config.get');
    await starting;
    const running = bridge.state as Extract<EngineState, { state: 'running' }>;
    expect(running.state).toBe('running');
    await expect(early).resolves.toMatchObject({ ok: true, value: { file, text: WORKSPACE } });
    // The child's problems come through as they are.
    await expect(fake.invoke('no.such')).resolves.toMatchObject({ ok: false, problem: { status: 404, code: 'NOT_FOUND' } });
    await expect(fake.invoke('config.validate', { text: 'version: 1\nrouts: []\n' })).resolves.toMatchObject({ ok: true, value: { valid: false } });

    fake.subscribe();
    await trafficUntilEvents(fake);
    // Every message is one batch (a JSON array), as the child sent it.
    expect(completed(fake.batches).some((e) => e.route === 'ping')).toBe(true);

    const list = (await fake.invoke('listeners.list')) as { ok: true; value: { url: string }[] };
    // SIGINT: serve's own shutdown, well within the grace period (no SIGKILL).
    expect(await bridge.stop()).toMatchObject({ code: 0, signal: null });
    expect(bridge.state).toEqual({ state: 'stopped' });
    expect(gone(running.pid)).toBe(true);
    // serve removes its serve.json only on its graceful (SIGINT) path.
    expect(existsSync(join(dir, 'data', 'serve.json'))).toBe(false);
    await expect(fetch(`${list.value[0]!.url}/ping`)).rejects.toThrow();
    await expect(fake.invoke('config.get')).resolves.toMatchObject({ ok: false, problem: { status: 503, code: 'ENGINE_UNAVAILABLE' } });
  });

  it('reports a crash of the child, answers 503 meanwhile, and restarts with the window still subscribed', async () => {
    const dir = tempDir();
    const bridge = bridgeFor(dir, { config: workspace(dir) });
    const fake = wire(bridge);
    const states: EngineState[] = [];
    bridge.onState((s) => states.push(s));
    await bridge.start();
    fake.subscribe();
    await trafficUntilEvents(fake);
    const first = bridge.state as Extract<EngineState, { state: 'running' }>;

    const crashed = new Promise<EngineState>((resolve) => bridge.onState((s) => s.state === 'crashed' && resolve(s)));
    process.kill(first.pid, 'SIGKILL');
    expect(await crashed).toMatchObject({ state: 'crashed', message: expect.stringMatching(/stopped unexpectedly \(killed by SIGKILL\)/) });
    const down = await fake.invoke('config.get');
    expect(down).toMatchObject({ ok: false, problem: { status: 503, code: 'ENGINE_UNAVAILABLE', detail: expect.stringMatching(/SIGKILL/) } });

    await bridge.start();
    const second = bridge.state as Extract<EngineState, { state: 'running' }>;
    expect(second.pid).not.toBe(first.pid);
    await expect(fake.invoke('config.get')).resolves.toMatchObject({ ok: true });
    const seen = fake.batches.length;
    await trafficUntilEvents(fake, seen);
    expect(completed(fake.batches.slice(seen)).length).toBeGreaterThan(0);
    expect(states.map((s) => s.state)).toEqual(['starting', 'running', 'crashed', 'starting', 'running']);
  });

  it('explains a child that exits before it is ready with its stderr', async () => {
    const dir = tempDir();
    const bad = workspace(dir, 'version: 1\nlisteners:\n  - { name: web, address: 127.0.0.1:0 }\nrouts: []\n');
    const bridge = bridgeFor(dir, { config: bad });
    const fake = wire(bridge);
    await expect(bridge.start()).rejects.toThrow(/exited before it was ready \(exit code 1\)[\s\S]*ws\.yaml:4:1/);
    expect(bridge.state).toMatchObject({ state: 'failed' });
    await expect(fake.invoke('config.get')).resolves.toMatchObject({ ok: false, problem: { status: 503, detail: expect.stringMatching(/ws\.yaml:4:1/) } });
  });

  it('gives up on a child that never becomes ready, with its stderr, and kills it', async () => {
    const dir = tempDir();
    const pidFile = neverReadyApp(dir);
    const bridge = bridgeFor(dir, {}, { appRoot: dir, readyTimeoutMs: 1_500 });
    await expect(bridge.start()).rejects.toThrow(/did not become ready within 1\.5 s[\s\S]*still loading/);
    expect(await exitOf(pidFile)).toBe(true);
  });

  it('kills a child that is still starting when the app quits', async () => {
    const dir = tempDir();
    const pidFile = neverReadyApp(dir);
    const bridge = bridgeFor(dir, {}, { appRoot: dir, readyTimeoutMs: 60_000 });
    const starting = bridge.start();
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    await bridge.stop();
    await expect(starting).rejects.toThrow(/stopped before it was ready/);
    expect(bridge.state).toEqual({ state: 'stopped' });
    expect(await exitOf(pidFile)).toBe(true);
  });

  it('tries the next Node binary, and says what it tried when none starts', async () => {
    const child = await spawnNode(['/nonexistent/node', process.execPath], ['-e', 'process.exit(3)'], { stdio: 'ignore' });
    expect(await new Promise((r) => child.once('exit', r))).toBe(3);

    const dir = tempDir();
    const bridge = bridgeFor(dir, {}, { nodes: ['/nonexistent/a/node', '/nonexistent/b/node'] });
    await expect(bridge.start()).rejects.toThrow(/none could be started: \/nonexistent\/a\/node \(ENOENT\), \/nonexistent\/b\/node \(ENOENT\)\. .*SWITCHYARD_NODE/);
    expect(bridge.state).toMatchObject({ state: 'failed' });
  });
});
