// Child processes for the bench: every child is registered so that it is
// stopped on normal exit, on errors and on Ctrl-C (see installCleanup).
// Output goes straight to a log file (file descriptors, not pipes), so a
// chatty child never costs the harness CPU and never blocks on a full pipe.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const children = new Set();
const cleanupHooks = [];

/**
 * Start a long-running child. Returns a handle with `stop()`, `exited`,
 * `exitInfo` and `logTail()`.
 * opts: { name, cwd, env, logFile, stdinPipe, stopSignal }
 *  - stdinPipe: keep a pipe on the child's stdin; our contenders exit when it
 *    closes, so they die with the harness even if it is SIGKILLed.
 *  - stopSignal: signal for a graceful stop (nginx: SIGTERM = fast shutdown,
 *    which also ends its workers; SIGKILL on the master would orphan them).
 */
export function startProcess(cmd, args, opts = {}) {
  const { name = cmd, cwd, env = process.env, logFile, stdinPipe = false, stopSignal = 'SIGTERM' } = opts;
  const logFd = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  const child = spawn(cmd, args, {
    cwd,
    env,
    stdio: [stdinPipe ? 'pipe' : 'ignore', logFd, logFd],
  });
  if (typeof logFd === 'number') fs.closeSync(logFd);
  let exitInfo = null;
  let spawnError = null;
  const exited = new Promise((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      exitInfo = { code: null, signal: null, error: err.message };
      children.delete(handle);
      resolve(exitInfo);
    });
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      children.delete(handle);
      resolve(exitInfo);
    });
  });
  if (child.stdin) child.stdin.on('error', () => {});
  const handle = {
    name,
    child,
    pid: child.pid,
    stopSignal,
    exited,
    get exitInfo() {
      return exitInfo;
    },
    get spawnError() {
      return spawnError;
    },
    /** true while running, else a string saying how it ended (for waitForPort). */
    alive() {
      if (!exitInfo) return true;
      if (exitInfo.error) return `${name} failed to start: ${exitInfo.error}`;
      return `${name} exited (code ${exitInfo.code}, signal ${exitInfo.signal})`;
    },
    logTail(maxChars = 2000) {
      if (!logFile) return '';
      try {
        const text = fs.readFileSync(logFile, 'utf8');
        return text.length > maxChars ? '…' + text.slice(-maxChars) : text;
      } catch {
        return '';
      }
    },
    async stop(graceMs = 3000) {
      if (exitInfo) return exitInfo;
      try {
        child.kill(stopSignal);
      } catch {
        /* already gone */
      }
      const timer = new Promise((r) => setTimeout(r, graceMs, 'timeout'));
      if ((await Promise.race([exited, timer])) === 'timeout') {
        try {
          child.kill('SIGKILL');
        } catch {
          /* already gone */
        }
        await exited;
      }
      return exitInfo;
    },
  };
  children.add(handle);
  return handle;
}

/** Run a command to completion, collecting stdout/stderr (for short-lived tools such as wrk). */
export function runCommand(cmd, args, { timeoutMs = 0, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const handle = {
      name: cmd,
      stopSignal: 'SIGTERM',
      stop: async () => {
        child.kill('SIGKILL');
      },
      child,
    };
    children.add(handle);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    let timer;
    if (timeoutMs > 0) timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      children.delete(handle);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(handle);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Register something to undo at cleanup (temp dirs, …). Runs in reverse order. */
export function onCleanup(fn) {
  cleanupHooks.push(fn);
}

let cleaning = null;
let stopping = false;

/** True once Ctrl-C / SIGTERM / a fatal error started the shutdown. */
export function interrupted() {
  return stopping;
}

/**
 * Stop every child still running, then run (and forget) the cleanup hooks.
 * Concurrent calls share one pass; later calls start a new pass.
 */
export function cleanupAll() {
  if (!cleaning) {
    cleaning = (async () => {
      await Promise.all([...children].map((h) => h.stop().catch(() => {})));
      const hooks = cleanupHooks.splice(0).reverse();
      for (const fn of hooks) {
        try {
          await fn();
        } catch {
          /* best effort */
        }
      }
    })().finally(() => {
      cleaning = null;
    });
  }
  return cleaning;
}

/**
 * Make sure children never outlive the harness: Ctrl-C, SIGTERM, uncaught
 * errors and plain exit all stop them.
 */
export function installCleanup() {
  const onSignal = (sig) => {
    stopping = true;
    process.stderr.write(`\nbench: ${sig}, stopping child processes…\n`);
    cleanupAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  const onFatal = (err) => {
    stopping = true;
    process.stderr.write(`bench: fatal: ${err?.stack ?? err}\n`);
    cleanupAll().finally(() => process.exit(1));
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  // Last resort (synchronous): ask whatever is left to stop. Graceful signal
  // so nginx masters still take their workers down.
  process.on('exit', () => {
    for (const h of children) {
      try {
        h.child.kill(h.stopSignal);
      } catch {
        /* ignore */
      }
    }
  });
}
