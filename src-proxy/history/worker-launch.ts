/**
 * Starting the history worker from compiled JS and from TypeScript sources.
 *
 * - From dist/ (`node bin/switchyard.js`, the packaged app): this module is
 *   `worker-launch.js` next to `history-worker.js`, so
 *   `new URL('./history-worker.js', import.meta.url)` is the worker.
 * - From sources (vitest, `tsx`): this module's URL ends in `.ts` and there is
 *   no `.js` sibling. Node 20 cannot load `.ts` in a worker, and
 *   `execArgv: ['--import', 'tsx']` does not apply tsx's loader hooks to a
 *   worker's entry module on Node 20 (ERR_UNKNOWN_FILE_EXTENSION), so the
 *   worker is a tiny eval'd bootstrap that loads the `.ts` entry through
 *   tsx's `tsImport` API (tsx is a devDependency; sources only run in dev).
 *
 * A bundler that inlines this module (e.g. electron-vite for the Electron
 * main process) must also emit `history-worker.js` (with its imports) next to
 * the bundle, or load the engine from dist/.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerConfig } from './worker-protocol.js';

function tsxApiUrl(from: string): string {
  const require = createRequire(from);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import?: { default?: string } } | string> };
  const entry = pkg.exports['./esm/api'];
  const rel = typeof entry === 'string' ? entry : entry?.import?.default;
  if (rel === undefined) throw new Error('tsx does not export ./esm/api; cannot start the history worker from TypeScript sources');
  return pathToFileURL(join(dirname(pkgFile), rel)).href;
}

/** Starts one of the history threads with `workerData`. */
export function launchWorker(name: 'history-worker' | 'history-reader-worker' | 'history-checkpoint-worker', workerData: unknown): Worker {
  const here = import.meta.url;
  if (/\.[cm]?ts$/.test(new URL(here).pathname)) {
    const entry = new URL(`./${name}.ts`, here).href;
    const api = tsxApiUrl(here);
    const code = `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
    return new Worker(code, { eval: true, workerData });
  }
  return new Worker(new URL(`./${name}.js`, here), { workerData });
}

export function launchHistoryWorker(config: WorkerConfig): Worker {
  return launchWorker('history-worker', config);
}

/**
 * A history thread's uncaught error as the parent receives it: structured
 * cloning keeps built-in errors, but turns others (better-sqlite3's SqliteError)
 * into plain objects without their message.
 */
export function workerError(err: unknown): Error {
  if (err instanceof Error) return err;
  const { message, code } = (err ?? {}) as { message?: unknown; code?: unknown };
  return new Error(typeof message === 'string' && message !== '' ? message : `history thread failed${typeof code === 'string' ? ` (${code})` : ''}`);
}
