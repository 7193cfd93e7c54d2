/**
 * Everything one running workspace needs, assembled once for every host
 * (`switchyard serve`, the Electron app, tests): the engine, the workspace
 * text behind it, capture into the recent-exchange cache and the on-disk
 * history, and the control service over all of it.
 */
import { mkdir } from 'node:fs/promises';
import type { CapturedExchange } from './capture/captured-exchange.js';
import { RecentExchanges } from './capture/recent-exchanges.js';
import { loadWorkspaceText } from './config/load.js';
import { ConfigError } from './config/issues.js';
import { ControlService } from './control/control-service.js';
import { WorkspaceSource } from './control/workspace-source.js';
import { Engine, type ApplyResult } from './engine.js';
import { History } from './history/history.js';

export interface RuntimeOptions {
  /** Workspace text and where it lives (null file: in memory only, e.g. the demo). */
  text: string;
  file: string | null;
  label?: string;
  dataDir: string;
  version: string;
  /** History write failures and warnings (a full disk, a locked or read-only file); the gateway keeps serving. */
  onHistoryError?: (err: Error) => void;
}

export interface Runtime {
  engine: Engine;
  workspace: WorkspaceSource;
  history: History | null;
  recent: RecentExchanges;
  control: ControlService;
  applied: ApplyResult;
  close(graceMs?: number): Promise<void>;
}

/** Starts a workspace; throws ConfigError (with located issues) when the text is invalid. */
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const label = opts.label ?? opts.file ?? 'workspace.yaml';
  const { plan, issues } = loadWorkspaceText(opts.text, label);
  if (!plan) throw new ConfigError(issues);
  await mkdir(opts.dataDir, { recursive: true });

  const engine = new Engine({ dataDir: opts.dataDir });
  const recent = new RecentExchanges();
  const history = plan.history.enabled
    ? await History.open({
        dataDir: opts.dataDir,
        retention: { maxRows: plan.history.maxRows, maxBytes: plan.history.maxBytes, maxAgeMs: plan.history.maxAgeMs },
        onError: opts.onHistoryError,
      })
    : null;
  engine.capture.add((record: CapturedExchange) => {
    recent.add(record);
    history?.record(record);
  });

  let applied: ApplyResult;
  try {
    applied = await engine.apply(plan);
  } catch (err) {
    await history?.close();
    throw err;
  }
  const workspace = new WorkspaceSource(engine, opts.file, opts.text, label);
  const control = new ControlService({ engine, workspace, history, recent, info: { version: opts.version, dataDir: opts.dataDir } });
  return {
    engine,
    workspace,
    history,
    recent,
    control,
    applied,
    async close(graceMs = 10_000) {
      workspace.close();
      await engine.stop(graceMs);
      await engine.capture.settled();
      await history?.close();
    },
  };
}
