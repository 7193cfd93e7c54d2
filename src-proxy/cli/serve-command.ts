/**
 * `switchyard serve [--config FILE] [--data-dir DIR] [--ui-port N | --no-ui] [--token T] [--stop-on-stdin-eof]`
 * Without --config: the embedded demo workspace, its services started in-process.
 * Ctrl-C (or SIGTERM) stops accepting and lets in-flight requests finish.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, formatIssue } from '../config/issues.js';
import { loadWorkspaceText } from '../config/load.js';
import { readWorkspaceFile } from '../config/read-workspace.js';
import { bindFailureIssue } from '../control/apply-failure.js';
import type { ControlService } from '../control/control-service.js';
import { instantiateDemo, type DemoService } from '../demo/demo-services.js';
import { startDemoTraffic } from '../demo/demo-traffic.js';
import type { Engine } from '../engine.js';
import { startRuntime, type Runtime } from '../runtime.js';
import { projectRoot } from '../project-root.js';
import { defaultDataDir } from './data-dir.js';
import { removeServeInfo, removeServeInfoSync, writeServeInfo } from './serve-info.js';
import type { CliIO } from './io.js';

export interface UiHost {
  url: string;
  /** Why the host is not where it was asked to be (e.g. the default port was taken). */
  note?: string;
  close(): Promise<void>;
}

/** Starts the workbench host (src-main/headless); injected by the entry point so src-proxy stays host-free. */
export type StartUi = (opts: { control: ControlService; engine: Engine; port: number; token?: string; host?: string }) => Promise<UiHost>;

export const DEFAULT_UI_PORT = 7878;
const GRACE_MS = 10_000;

/** A failing history (a full disk fails every batch) is reported at most this often; the rest are counted. */
const HISTORY_ERROR_EVERY_MS = 30_000;

/**
 * Reports history write failures on stderr: without this a full disk or a
 * read-only history.db lost every exchange while serve said nothing (only
 * history.stats knew). The first at once, then at most one per interval, with
 * how many were left out.
 */
export function historyErrorReporter(io: Pick<CliIO, 'err'>, now: () => number = Date.now): (err: Error) => void {
  let last = Number.NEGATIVE_INFINITY;
  let skipped = 0;
  return (err) => {
    const t = now();
    if (t - last < HISTORY_ERROR_EVERY_MS) {
      skipped++;
      return;
    }
    last = t;
    const more = skipped > 0 ? ` (and ${skipped} more history error(s) since the last report)` : '';
    skipped = 0;
    io.err(`warning: ${err.message}${more}; the gateway keeps serving, exchanges not written are counted in history.stats`);
  };
}

/** Signals this close together are one (delivered twice at once); further apart, the second means "exit now". */
const SAME_SIGNAL_MS = 250;

export async function serveCommand(args: string[], io: CliIO, opts: { startUi?: StartUi; version: string }): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      'data-dir': { type: 'string' },
      'ui-port': { type: 'string' },
      'no-ui': { type: 'boolean' },
      token: { type: 'string' },
      'demo-traffic': { type: 'string' },
      'stop-on-stdin-eof': { type: 'boolean' },
    },
    strict: true,
  });
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  // Bad numbers are usage errors, found before anything starts.
  const uiPort = values['ui-port'] === undefined ? DEFAULT_UI_PORT : Number(values['ui-port']);
  if (!/^\d+$/.test(values['ui-port'] ?? '0') || uiPort > 65535) {
    io.err(`--ui-port: "${values['ui-port']}" is not a port number (0-65535)`);
    return 2;
  }
  if (values.token !== undefined && values.token.trim() === '') {
    io.err('--token: the session token must not be empty');
    return 2;
  }
  const trafficRate = values['demo-traffic'] === undefined ? 2 : Number(values['demo-traffic']);
  if (!Number.isFinite(trafficRate) || trafficRate < 0) {
    io.err(`--demo-traffic: "${values['demo-traffic']}" is not a number of requests per second`);
    return 2;
  }

  let text: string;
  let file: string | null = null;
  let label: string;
  let services: DemoService[] = [];
  if (values.config) {
    file = resolve(values.config);
    label = values.config;
    const read = await readWorkspaceFile(file, label);
    if (read.issue) {
      io.err(formatIssue(read.issue));
      return 1;
    }
    text = read.text;
  } else {
    const demo = await instantiateDemo(await readFile(join(projectRoot(), 'resources', 'demo', 'workspace.yaml'), 'utf8'));
    text = demo.text;
    services = demo.services;
    label = 'demo-workspace.yaml';
    io.out(`No --config given: serving the demo workspace with ${services.length} demo services.`);
  }

  let runtime: Runtime;
  try {
    runtime = await startRuntime({ text, file, label, dataDir, version: opts.version, onHistoryError: historyErrorReporter(io) });
  } catch (err) {
    if (err instanceof ConfigError) for (const issue of err.issues) io.err(formatIssue(issue));
    else {
      // Valid but not startable (a listener port another process holds): point at the listener.
      const { plan } = loadWorkspaceText(text, label);
      const issue = plan ? bindFailureIssue(err, plan, text, label, false) : null;
      io.err(issue ? formatIssue(issue) : `cannot start: ${(err as Error).message}`);
    }
    await Promise.all(services.map((s) => s.close()));
    return 1;
  }
  const { engine, workspace, control } = runtime;
  for (const w of runtime.applied.warnings) io.err(`warning: ${w}`);
  for (const l of engine.listeners()) {
    io.out(`listener ${l.name} (${l.mode}): ${l.url}`);
  }
  io.out(runtime.history ? `history: ${runtime.history.file}` : 'history: off (history.enabled: false)');
  workspace.watch((outcome) => {
    if (outcome.applied) io.out(`${label}: changed on disk, applied (generation ${outcome.generation})`);
    else for (const issue of outcome.issues) io.err(formatIssue(issue));
  });

  let ui: UiHost | null = null;
  if (!values['no-ui'] && opts.startUi) {
    try {
      ui = await opts.startUi({ control, engine, port: uiPort, token: values.token });
    } catch (err) {
      // The gateway is already listening: stop it, or the process would linger without a workbench.
      io.err(`cannot start: ${(err as Error).message}`);
      await runtime.close(0);
      await Promise.all(services.map((s) => s.close()));
      return 1;
    }
    io.out(`workbench: ${ui.url}`);
    if (ui.note) io.out(ui.note);
    await writeServeInfo(dataDir, { pid: process.pid, api: new URL(ui.url).origin, token: new URL(ui.url).searchParams.get('token') ?? '' });
  }

  let stopTraffic = () => {};
  if (!values.config) {
    const web = engine.listeners().find((l) => l.served);
    if (web && trafficRate > 0) stopTraffic = startDemoTraffic(web.url, trafficRate);
  }

  const onSigint = () => stop('SIGINT');
  const onSigterm = () => stop('SIGTERM');
  let stop: (signal: string) => void = () => undefined;
  await new Promise<void>((resolveStop) => {
    let stopping = false;
    let firstSignalAt = 0;
    stop = (signal: string) => {
      // The same signal delivered twice at once is one request to stop: `timeout`, for one, signals
      // both the process and its group. A second signal a moment later (a person pressing Ctrl-C
      // again, however quickly) means "now".
      if (stopping && Date.now() - firstSignalAt < SAME_SIGNAL_MS) return;
      if (stopping) {
        // Handlers stay installed while draining: a second Ctrl-C or SIGTERM must land here, not kill us silently.
        io.err(`second signal (${signal}): exiting now`);
        if (ui) removeServeInfoSync(dataDir);
        process.exit(130);
      }
      stopping = true;
      firstSignalAt = Date.now();
      io.out(`${signal}: shutting down (in-flight requests get up to ${GRACE_MS / 1000}s)`);
      stopTraffic();
      void Promise.all([ui?.close(), runtime.close(GRACE_MS), ui && removeServeInfo(dataDir)])
        .then(() => Promise.all(services.map((s) => s.close())))
        .finally(() => resolveStop());
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    // For a host that runs serve as its child (the desktop app): the host keeps
    // our stdin open, and the kernel closes it however the host dies, SIGKILL
    // included, so the engine never outlives it.
    if (values['stop-on-stdin-eof']) {
      process.stdin.once('end', () => stop('stdin closed'));
      process.stdin.once('error', () => stop('stdin closed'));
      process.stdin.resume();
    }
  });
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  // A stdin still being read would keep the process alive after a signal.
  if (values['stop-on-stdin-eof']) process.stdin.destroy();
  return 0;
}
