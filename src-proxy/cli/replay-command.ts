/**
 * `switchyard replay ID [--target URL] [--listener NAME] [--drop-masked] [--config FILE]`
 * and the edits of replay-edit-options.ts (`-X`, `--url`, `-H`, `-d`, …).
 * The running `serve` of the data dir does the replay when there is one —
 * through the gateway (same routes, policies and balancing), or with --target
 * straight to that server — so the workspace's masking applies to what is
 * recorded. With --target and no `serve`, it is sent from here and recorded
 * into the history database, masked as the workspace given with --config
 * says (the default masking without it).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { History } from '../history/history.js';
import { Engine } from '../engine.js';
import { isSwitchyardError } from '../errors.js';
import { replayExchange, type ReplayDeps } from '../replay/replay.js';
import { defaultDataDir } from './data-dir.js';
import type { CliIO } from './io.js';
import { existingHistory } from './open-history.js';
import { EditOptionError, REPLAY_EDIT_OPTIONS, replayEditFrom } from './replay-edit-options.js';
import { callServe, readServeInfo } from './serve-info.js';
import { workspaceCapture } from './workspace-capture.js';

const USAGE =
  'usage: switchyard replay ID [--target URL [-k]] [--listener NAME] [--drop-masked] [--config FILE] [--data-dir DIR]\n' +
  '                         [-X METHOD] [--url PATH] [-H "Name: value"]... [-d TEXT | --data-file FILE | --no-body]';

export async function replayCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      target: { type: 'string' },
      listener: { type: 'string' },
      'drop-masked': { type: 'boolean' },
      insecure: { type: 'boolean', short: 'k' },
      config: { type: 'string' },
      ...REPLAY_EDIT_OPTIONS,
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) {
    io.err(USAGE);
    return 2;
  }
  let edit;
  try {
    edit = replayEditFrom(values);
  } catch (err) {
    if (!(err instanceof EditOptionError)) throw err;
    io.err(`switchyard replay: ${err.message}`);
    return 2;
  }
  const [id] = positionals;
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const options = { target: values.target, listener: values.listener, dropMasked: values['drop-masked'], insecure: values.insecure, edit };

  let result: { id: string | null; status: number; statusText: string; mode: string; url: string };
  const serve = await readServeInfo(dataDir);
  if (serve !== null) {
    if (values.config !== undefined) io.err(`note: --config is not used: the running serve records the replay, masked as its workspace says`);
    try {
      result = (await callServe(serve, 'replay.send', { id, ...options })) as typeof result;
    } catch (err) {
      io.err(`switchyard replay: ${(err as Error).message}`);
      return 1;
    }
  } else if (values.target === undefined) {
    io.err(`no running \`switchyard serve\` for ${dataDir}: start one (with its workbench API on), or replay directly with --target URL`);
    return 1;
  } else {
    if (existingHistory(dataDir, io) === null) return 1;
    let capture: ReplayDeps['capture'];
    if (values.config !== undefined) {
      capture = await workspaceCapture(values.config, io);
      if (capture === undefined) return 1;
    }
    const history = await History.open({ dataDir });
    try {
      const original = history.store.get(id);
      if (original === null) {
        io.err(`no exchange "${id}" in history`);
        return 1;
      }
      // A bare engine: nothing is bound; it only carries the capture hub the direct replay records into.
      const engine = new Engine();
      engine.capture.add((record) => history.record(record));
      try {
        result = await replayExchange(original, options, { engine, capture });
      } catch (err) {
        // The same answer as through serve: a refused edit or a failed send is the command's failure, not a usage error.
        if (!isSwitchyardError(err)) throw err;
        io.err(`switchyard replay: ${err.message}`);
        return 1;
      }
      await history.flush();
    } finally {
      await history.close();
    }
  }
  io.out(`${result.mode} replay of ${id} → ${result.url}: ${result.status} ${result.statusText}`);
  if (result.id) io.out(`new exchange: ${result.id}`);
  return 0;
}
