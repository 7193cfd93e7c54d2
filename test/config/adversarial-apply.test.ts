/**
 * Hot apply under adversarial conditions: a listener port held by another
 * process, a burst of concurrent applies, and the watched file replaced by
 * rename or edited into invalid YAML. Real runtime on 127.0.0.1, port 0.
 */
import { chmod, lstat, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkspaceSource, type ApplyOutcome } from '../../src-proxy/control/workspace-source.js';
import { isSwitchyardError } from '../../src-proxy/errors.js';
import { startRuntime, type Runtime } from '../../src-proxy/runtime.js';

const ws = (address: string, body: string) =>
  `version: 1\nlisteners:\n  - { name: web, address: "${address}" }\nroutes:\n  - { name: r, respond: { status: 200, body: ${body} } }\nhistory: { enabled: false }\n`;

let dir: string;
let file: string;
let rt: Runtime;
let squatter: net.Server | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sy-adv-apply-'));
  file = join(dir, 'w.yaml');
  await writeFile(file, ws('127.0.0.1:0', 'first'));
  rt = await startRuntime({ text: await readFile(file, 'utf8'), file, label: 'w.yaml', dataDir: join(dir, 'data'), version: 'test' });
});
afterEach(async () => {
  await rt.close(0);
  if (squatter) await new Promise((r) => squatter!.close(r));
  squatter = null;
  await rm(dir, { recursive: true, force: true });
});

async function takePort(): Promise<number> {
  squatter = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => squatter!.listen(0, '127.0.0.1', r));
  return (squatter.address() as AddressInfo).port;
}

async function body(): Promise<string> {
  const res = await fetch(rt.engine.listeners()[0]!.url + '/');
  return res.text();
}

async function waitFor(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('adversarial hot apply', () => {
  it('a port taken by another process: CONFIG_INVALID located at the address, old plan serves, file untouched', async () => {
    const port = await takePort();
    const before = rt.engine.current();
    const err = await rt.control.call('config.apply', { text: ws(`127.0.0.1:${port}`, 'second') }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isSwitchyardError(err)).toBe(true);
    if (!isSwitchyardError(err)) return;
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.status).toBe(400);
    expect(err.message).toBe(`w.yaml:3:27 listener "web" cannot listen on 127.0.0.1:${port}: the address is already in use by another process (EADDRINUSE); the running configuration is unchanged`);
    expect(err.extensions?.issues).toMatchObject([{ file: 'w.yaml', line: 3, column: 27, path: ['listeners', 0, 'address'] }]);
    expect(rt.engine.current()).toBe(before);
    expect(await body()).toBe('first');
    expect(await readFile(file, 'utf8')).toBe(ws('127.0.0.1:0', 'first'));
  });

  it('a burst of concurrent applies: every one succeeds, in order, and the file holds the last', async () => {
    const texts = Array.from({ length: 8 }, (_, i) => ws('127.0.0.1:0', `burst${i}`));
    const outcomes = (await Promise.all(texts.map((text) => rt.control.call('config.apply', { text })))) as ApplyOutcome[];
    expect(outcomes.map((o) => o.applied)).toEqual(Array(8).fill(true));
    const generations = outcomes.map((o) => o.generation!);
    expect(generations).toEqual([...generations].sort((a, b) => a - b));
    expect(new Set(generations).size).toBe(8);
    expect(outcomes.every((o) => o.warnings.length === 0)).toBe(true);
    expect(rt.workspace.text).toBe(texts[7]);
    expect(await readFile(file, 'utf8')).toBe(texts[7]);
    expect(await body()).toBe('burst7');
  });

  it('a save that fails after the engine applied is a warning on an applied outcome, not a failed apply', async () => {
    const gone = join(dir, 'gone', 'w.yaml');
    const source = new WorkspaceSource(rt.engine, gone, rt.workspace.text, 'w.yaml');
    const outcome = await source.apply(ws('127.0.0.1:0', 'unsaved'));
    expect(outcome).toMatchObject({ applied: true, generation: rt.engine.current().generation });
    expect(outcome.warnings).toEqual([expect.stringMatching(new RegExp(`^applied, but not saved to ${gone}: ENOENT`))]);
    expect(source.text).toBe(ws('127.0.0.1:0', 'unsaved'));
    expect(await body()).toBe('unsaved');
  });

  it('saving keeps the file\'s mode (a 0600 workspace with secrets stays 0600) and a symlinked workspace stays a symlink', async () => {
    await chmod(file, 0o600);
    await rt.control.call('config.apply', { text: ws('127.0.0.1:0', 'private') });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await rt.close(0);

    const real = join(dir, 'real.yaml');
    const link = join(dir, 'link.yaml');
    await writeFile(real, ws('127.0.0.1:0', 'first'));
    await symlink(real, link);
    rt = await startRuntime({ text: await readFile(link, 'utf8'), file: link, label: 'link.yaml', dataDir: join(dir, 'data'), version: 'test' });
    await rt.control.call('config.apply', { text: ws('127.0.0.1:0', 'linked') });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(real, 'utf8')).toBe(ws('127.0.0.1:0', 'linked'));
    // Editing the link's target is seen by the watch.
    rt.workspace.watch(() => undefined);
    await writeFile(real, ws('127.0.0.1:0', 'target-edited'));
    await waitFor(async () => (await body()) === 'target-edited');
  });

  it('the watch survives apply\'s own save and editors that save by rename; invalid YAML and a taken port are reported', async () => {
    const reports: ApplyOutcome[] = [];
    rt.workspace.watch((o) => reports.push(o));
    // config.apply saves by renaming a temporary file over the watched one.
    await rt.control.call('config.apply', { text: ws('127.0.0.1:0', 'applied') });
    expect(await body()).toBe('applied');

    await writeFile(file, ws('127.0.0.1:0', 'edited'));
    await waitFor(async () => (await body()) === 'edited');

    await writeFile(join(dir, 'w.yaml.swp'), ws('127.0.0.1:0', 'renamed'));
    await rename(join(dir, 'w.yaml.swp'), file);
    await waitFor(async () => (await body()) === 'renamed');

    const count = reports.length;
    await writeFile(file, 'version: 1\nlisteners: [\n');
    await waitFor(() => reports.length > count);
    expect(reports.at(-1)).toMatchObject({ applied: false, issues: [{ file: 'w.yaml', severity: 'error' }] });
    expect(await body()).toBe('renamed');

    const port = await takePort();
    const count2 = reports.length;
    await writeFile(file, ws(`127.0.0.1:${port}`, 'taken'));
    await waitFor(() => reports.length > count2);
    expect(reports.at(-1)).toMatchObject({ applied: false, issues: [{ line: 3, column: 27, message: expect.stringContaining('EADDRINUSE') }] });
    expect(await body()).toBe('renamed');
  });
});
