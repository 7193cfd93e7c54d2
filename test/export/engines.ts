/**
 * Real nginx, HAProxy and Caddy for export tests: example workspaces loaded
 * (with their addresses rewritten), exported configs pointed at a temp dir,
 * the engines' own config checks, and running engines that are always stopped.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Plan } from '../../src-proxy/config/plan.js';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import { CADDY_ETC } from '../../src-proxy/export/caddy.js';
import { HAPROXY_ETC } from '../../src-proxy/export/haproxy.js';
import { NGINX_PATHS } from '../../src-proxy/export/nginx.js';

const run = promisify(execFile);
export const EXAMPLES = ['design', 'weighted', 'multi-host', 'hashing', 'gateway'] as const;
export type Engine = 'nginx' | 'haproxy' | 'caddy';

/** An example workspace (resources/examples), or `fixture:NAME` for test/export/fixtures. */
export async function exampleText(name: string): Promise<string> {
  const file = name.startsWith('fixture:') ? path.resolve('test/export/fixtures', `${name.slice(8)}.yaml`) : path.resolve('resources/examples', `${name}.yaml`);
  return readFile(file, 'utf8');
}

export function compile(yaml: string): Plan {
  const { plan, issues } = loadWorkspaceText(yaml, 'example.yaml');
  const errors = issues.filter((i) => i.severity === 'error');
  if (!plan || errors.length > 0) throw new Error(`workspace does not load: ${errors.map((e) => e.message).join('; ')}`);
  return plan;
}

/** A temp dir others (nginx workers) can traverse. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A self-signed pair for localhost; also written as `<cert>.key` and a combined PEM for HAProxy. */
export async function certPair(dir: string, name: string): Promise<{ cert: string; key: string; pem: string }> {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert]);
  await copyFile(key, `${cert}.key`);
  const pem = path.join(dir, `${name}.pem`);
  await writeFile(pem, (await readFile(cert, 'utf8')) + (await readFile(key, 'utf8')));
  return { cert, key, pem };
}

/** Points every absolute `cert:`/`key:` file in a workspace at one generated pair. */
export function useCertificate(yaml: string, pair: { cert: string; key: string }): string {
  return yaml.replace(/\b(cert|key): \/[^,}\s]+/g, (_, k: string) => `${k}: ${k === 'cert' ? pair.cert : pair.key}`);
}

/** Moves the config's runtime and placeholder paths into `dir` and creates what the engine expects there. */
export async function localiseNginx(text: string, dir: string, tlsListeners: string[]): Promise<string> {
  const etc = path.join(dir, 'etc');
  await mkdir(path.join(dir, 'tmp'), { recursive: true });
  await mkdir(path.join(dir, 'cache'), { recursive: true });
  await mkdir(etc, { recursive: true });
  for (const l of tlsListeners) await certPair(etc, l);
  return text
    .replaceAll(NGINX_PATHS.pid, path.join(dir, 'nginx.pid'))
    .replaceAll(NGINX_PATHS.log, path.join(dir, 'log'))
    .replaceAll(NGINX_PATHS.temp, path.join(dir, 'tmp'))
    .replaceAll(NGINX_PATHS.cache, path.join(dir, 'cache'))
    .replaceAll(NGINX_PATHS.etc, etc);
}

export async function localiseHaproxy(text: string, dir: string, tlsListeners: string[]): Promise<string> {
  const etc = path.join(dir, 'etc');
  await mkdir(etc, { recursive: true });
  for (const l of tlsListeners) await certPair(etc, l);
  return text.replaceAll(`${HAPROXY_ETC}/`, `${etc}/`);
}

export async function localiseCaddy(text: string, dir: string): Promise<string> {
  return text.replaceAll(CADDY_ETC, path.join(dir, 'etc'));
}

/** Environment for Caddy: its storage (the `tls internal` CA) in the temp dir. */
export function caddyEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: dir, XDG_DATA_HOME: path.join(dir, 'data'), XDG_CONFIG_HOME: path.join(dir, 'config') };
}

/** Runs an engine's config check; resolves with its output (stdout, then stderr), rejects with it on failure. */
export async function check(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ stdout: string; all: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { env, timeout: 20_000 });
    return { stdout, all: stdout + stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
  }
}

/** A port that was free a moment ago (bound to port 0, then closed): use it at once. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, log: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`engine exited with ${child.exitCode}:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`engine did not listen on ${port}:\n${log()}`);
}

export interface Running {
  stop(): Promise<void>;
  log(): string;
}

/** Starts an engine in the foreground and waits until `port` accepts connections. */
export async function startEngine(cmd: string, args: string[], port: number, env?: NodeJS.ProcessEnv): Promise<Running> {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  try {
    await waitForPort(port, child, () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  return { stop, log: () => output };
}
