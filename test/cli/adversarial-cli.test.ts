/**
 * The CLI as a careless or hostile user drives it: unknown flags, a config
 * that is a directory, stdin, a workbench port already taken, and a second
 * SIGTERM while the first is still draining. The real bin script against
 * dist/ (run `npm run build:node` first), ports chosen by the OS.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src-proxy/project-root.js';
import { requireFreshDist } from '../helpers/dist.js';

const bin = join(projectRoot(), 'bin', 'switchyard.js');
let dir: string;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], stdin?: string | Buffer): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { cwd: dir, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
      void err;
    });
    child.stdin!.end(stdin);
  });
}

const workspace = (address = '127.0.0.1:0', extra = '') =>
  `version: 1\nlisteners:\n  - { name: web, address: "${address}" }\nroutes:\n  - { name: r, respond: { status: 200, body: hi } }\n${extra}`;

beforeAll(() => {
  requireFreshDist(['src-proxy/cli', 'src-proxy/config', 'src-main/headless']);
  dir = mkdtempSync(join(tmpdir(), 'sy-adv-cli-'));
  writeFileSync(join(dir, 'ok.yaml'), workspace());
  mkdirSync(join(dir, 'conf.d'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validate', () => {
  it('an unknown flag is a usage error (exit 2), not a file named "--bogus"', async () => {
    const r = await run(['validate', '--bogus', 'ok.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
    expect(r.stdout).toBe('');
  });

  it('- reads the workspace from standard input', async () => {
    const ok = await run(['validate', '-'], workspace());
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toBe('<stdin>: valid (1 listener, 1 route, 0 upstreams)\n');
    const bad = await run(['validate', '-'], workspace().replace('name: web,', 'name: web, colour: red,'));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('<stdin>:3:18 unknown key "colour" in listeners[0]\n');
    const latin1 = await run(['validate', '-'], Buffer.from('version: 1\n# caf\xe9\n', 'latin1'));
    expect(latin1.code).toBe(1);
    expect(latin1.stdout).toBe('<stdin>:2:6 the file is not valid UTF-8 (byte 0xE9); save it as UTF-8\n');
  });

  it('a directory is reported as one, exit 1', async () => {
    const r = await run(['validate', 'conf.d']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('conf.d:1:1 cannot read workspace: it is a directory, not a file\n');
  });
});

describe('serve', () => {
  it('--config pointing at a directory: exit 1 with FILE:1:1, nothing started; a --data-dir that is a file: cannot start', async () => {
    const r = await run(['serve', '--config', 'conf.d', '--no-ui', '--data-dir', join(dir, 'data-dir')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('conf.d:1:1 cannot read workspace: it is a directory, not a file\n');
    expect(r.stdout).toBe('');
    // A data dir that is a file is not the workspace's fault: no FILE:LINE:COL pointing into it.
    writeFileSync(join(dir, 'not-a-dir'), '');
    const dataFile = await run(['serve', '--config', 'ok.yaml', '--no-ui', '--data-dir', join(dir, 'not-a-dir')]);
    expect(dataFile.code).toBe(1);
    expect(dataFile.stderr).toMatch(/^cannot start: EEXIST: file already exists, mkdir /);
  });

  it('a gateway listener port held by another process: exit 1 with FILE:LINE:COL at the address (any spelling)', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const port = (squatter.address() as AddressInfo).port;
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        writeFileSync(join(dir, 'taken.yaml'), workspace(`${host}:${port}`));
        const r = await run(['serve', '--config', 'taken.yaml', '--no-ui', '--data-dir', join(dir, 'data-gw')]);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`taken.yaml:3:27 listener "web" cannot listen on ${host}:${port}: the address is already in use by another process (EADDRINUSE)\n`);
      }
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('a bad --ui-port or an empty --token is a usage error before any listener starts', async () => {
    for (const port of ['abc', '-1', '70000', '1.5']) {
      const r = await run(['serve', '--config', 'ok.yaml', `--ui-port=${port}`, '--data-dir', join(dir, 'data-port')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`--ui-port: "${port}" is not a port number (0-65535)\n`);
      expect(r.stdout).toBe('');
    }
    const empty = await run(['serve', '--config', 'ok.yaml', '--token=', '--data-dir', join(dir, 'data-port')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe('--token: the session token must not be empty\n');
  });

  it('an explicit --ui-port that is taken: exit 1 with the reason, and the gateway does not linger', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const r = await run(['serve', '--config', 'ok.yaml', '--ui-port', String(port), '--data-dir', join(dir, 'data-taken')]);
      expect(r.signal).toBeNull(); // exited by itself, not killed by the 30 s timeout
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot start: cannot start the workbench on 127.0.0.1:${port}: EADDRINUSE`);
      expect(existsSync(join(dir, 'data-taken', 'serve.json'))).toBe(false);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('a second SIGTERM while draining exits at once with 130 and removes serve.json', async () => {
    // An upstream that never answers keeps a request in flight through the 10 s grace period.
    const held: import('node:http').ServerResponse[] = [];
    const upstream: Server = createServer((_req, res) => held.push(res));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const upPort = (upstream.address() as AddressInfo).port;
    const file = join(dir, 'slow.yaml');
    writeFileSync(
      file,
      `version: 1\nlisteners: [{ name: web, address: "127.0.0.1:0" }]\nupstreams:\n  slow: { targets: [{ url: "http://127.0.0.1:${upPort}" }] }\nroutes: [{ name: r, upstream: slow }]\nhistory: { enabled: false }\n`,
    );
    const dataDir = join(dir, 'data-sig');
    const child = spawn(process.execPath, [bin, 'serve', '--config', file, '--ui-port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    const waitOut = async (re: RegExp) => {
      const until = Date.now() + 20_000;
      while (!re.test(out)) {
        if (Date.now() > until) throw new Error(`no ${re} in:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await waitOut(/workbench: /);
      const gateway = /listener web \(reverse\): (\S+)/.exec(out)![1]!;
      const inflight = fetch(gateway + '/slow').catch(() => null);
      while (held.length === 0) await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(join(dataDir, 'serve.json'))).toBe(true);

      child.kill('SIGTERM');
      await waitOut(/SIGTERM: shutting down/);
      // A second signal within a quarter second counts as the same one (see the next test); a quick second Ctrl-C does not.
      await new Promise((r) => setTimeout(r, 400));
      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 130, signal: null });
      expect(err).toContain('second signal (SIGTERM): exiting now');
      expect(existsSync(join(dataDir, 'serve.json'))).toBe(false);
      await inflight;
    } finally {
      child.kill('SIGKILL');
      for (const res of held) res.destroy();
      upstream.closeAllConnections();
      await new Promise((r) => upstream.close(r));
    }
  });

  it('the same signal delivered twice at once (as `timeout` does: to the process and its group) still drains gracefully', async () => {
    // An upstream that answers after 800 ms keeps the drain going while the second signal arrives.
    const held: number[] = [];
    const upstream: Server = createServer((_req, res) => {
      held.push(Date.now());
      setTimeout(() => res.end('late'), 800);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const file = join(dir, 'twice.yaml');
    writeFileSync(
      file,
      `version: 1\nlisteners: [{ name: web, address: "127.0.0.1:0" }]\nupstreams:\n  slow: { targets: [{ url: "http://127.0.0.1:${(upstream.address() as AddressInfo).port}" }] }\nroutes: [{ name: r, upstream: slow }]\nhistory: { enabled: false }\n`,
    );
    const child = spawn(process.execPath, [bin, 'serve', '--config', file, '--no-ui', '--data-dir', join(dir, 'data-twice')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    try {
      const until = Date.now() + 20_000;
      while (!/history: /.test(out) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      const gateway = /listener web \(reverse\): (\S+)/.exec(out)![1]!;
      const answer = fetch(gateway + '/').then((r) => r.text());
      // The request is in flight at the upstream (it answers 800 ms later) before the signals come.
      while (held.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      expect(held.length).toBe(1);
      // Both signals back to back, as `timeout` sends them. (Waiting to see the first one's
      // "shutting down" first made the gap depend on how busy the machine was: past 250 ms
      // the second counts as a person's second Ctrl-C, and the process exits 130.)
      child.kill('SIGTERM');
      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(await answer).toBe('late');
      expect(err).not.toContain('second signal');
    } finally {
      child.kill('SIGKILL');
      upstream.closeAllConnections();
      await new Promise((r) => upstream.close(r));
    }
  });
});
