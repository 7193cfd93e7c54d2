/**
 * One engine child process: `node <appRoot>/bin/switchyard.js serve …` with
 * the control API on a free loopback port. It is ready when its
 * `<data-dir>/serve.json` names this very process (checked whenever the child
 * prints and on a short poll); that file also carries the API's origin and
 * the session token serve generated. It is stopped with SIGINT (serve's
 * graceful shutdown) and SIGKILL after a grace period.
 */
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { readServeInfo, type ServeInfo } from '../../src-proxy/cli/serve-info.js';
import { serveArgs, type DesktopArgs } from './desktop-args.js';
import { spawnNode } from './node-binary.js';

export interface EngineChildOptions {
  /** The app's root: `bin/switchyard.js` and the built `dist/` live here. */
  appRoot: string;
  args: DesktopArgs;
  dataDir: string;
  /** Node binaries to try, in order (node-binary.ts). */
  nodes: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** How long the child may take to serve its control API. */
  readyTimeoutMs?: number;
  /** Aborting it while the child starts kills the child (the app is quitting). */
  signal?: AbortSignal;
  /** The child's own output, line by line (default: this process's stdout/stderr). */
  log?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the child wrote to stderr. */
  stderrTail: string;
}

export interface EngineChild {
  readonly pid: number;
  /** Origin of the child's control API, e.g. `http://127.0.0.1:41234`. */
  readonly api: string;
  readonly token: string;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<ChildExit>;
  /** SIGINT, then SIGKILL if it has not exited after `graceMs`. Resolves on exit. */
  stop(graceMs: number): Promise<ChildExit>;
}

export class EngineStartError extends Error {
  constructor(
    message: string,
    readonly stderrTail: string,
  ) {
    super(stderrTail ? `${message}\n\nThe engine's last output:\n${stderrTail}` : message);
    this.name = 'EngineStartError';
  }
}

const TAIL_LINES = 30;
const POLL_MS = 150;

export async function startEngineChild(opts: EngineChildOptions): Promise<EngineChild> {
  const log = opts.log ?? ((line, stream) => (stream === 'stdout' ? process.stdout : process.stderr).write(line + '\n'));
  const child = await spawnNode(opts.nodes, [join(opts.appRoot, 'bin', 'switchyard.js'), ...serveArgs(opts.args, opts.dataDir)], {
    cwd: opts.appRoot,
    env: opts.env ?? process.env,
    // stdin is the lifeline (--stop-on-stdin-eof): it closes when this process dies, even by SIGKILL.
    stdio: ['pipe', 'pipe', 'pipe'],
    // Same process group: a Ctrl-C in the terminal that started the app stops the engine too.
    detached: false,
  });
  const pid = child.pid!;
  const tail: string[] = [];
  const exited = watchExit(child, tail);
  let onOutput = () => {};
  lines(child, 'stdout', (line) => {
    log(line, 'stdout');
    onOutput();
  });
  lines(child, 'stderr', (line) => {
    log(line, 'stderr');
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  });

  let signalled = false;
  const stop = (graceMs: number): Promise<ChildExit> => {
    // One SIGINT only: serve takes a second one as "exit now".
    if (!signalled && child.exitCode === null && child.signalCode === null) {
      signalled = true;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      void exited.finally(() => clearTimeout(timer));
    }
    return exited;
  };

  const ready = await new Promise<ServeInfo>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null, info?: ServeInfo) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timeout);
      opts.signal?.removeEventListener('abort', abort);
      onOutput = () => {};
      if (err) reject(err);
      else resolve(info!);
    };
    const check = () => {
      void readServeInfo(opts.dataDir).then((info) => {
        if (info && info.pid === pid && info.token) finish(null, info);
      });
    };
    const poll = setInterval(check, POLL_MS);
    onOutput = check;
    const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
    const timeout = setTimeout(() => {
      finish(new EngineStartError(`The engine did not become ready within ${readyTimeoutMs / 1000} s.`, tail.join('\n')));
      void stop(0);
    }, readyTimeoutMs);
    void exited.then((exit) => finish(new EngineStartError(`The engine exited before it was ready (${describeExit(exit)}).`, exit.stderrTail)));
    const abort = () => {
      finish(new EngineStartError('The engine was stopped before it was ready.', tail.join('\n')));
      void stop(0);
    };
    if (opts.signal?.aborted) abort();
    else opts.signal?.addEventListener('abort', abort, { once: true });
  });

  return { pid, api: ready.api, token: ready.token, exited, stop };
}

export function describeExit(exit: Pick<ChildExit, 'code' | 'signal'>): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

function watchExit(child: ChildProcess, tail: readonly string[]): Promise<ChildExit> {
  return new Promise((resolve) => {
    // 'close' comes after the output pipes are drained, so the tail is complete.
    child.once('close', (code, signal) => resolve({ code, signal, stderrTail: tail.join('\n') }));
    child.on('error', () => undefined);
  });
}

function lines(child: ChildProcess, stream: 'stdout' | 'stderr', onLine: (line: string) => void): void {
  let rest = '';
  const source = child[stream]!;
  source.setEncoding('utf8');
  source.on('data', (chunk: string) => {
    const parts = (rest + chunk).split(/\r?\n/);
    rest = parts.pop() ?? '';
    for (const p of parts) onLine(p);
  });
  source.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}
