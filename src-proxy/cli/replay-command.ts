/**
 * `switchyard replay ID [--target URL] [--listener NAME] [--drop-masked]`.
 * Through the gateway, the running `serve` of the data dir does the replay
 * (same routes, policies and balancing); with --target it is sent directly
 * from here and recorded into the history database.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { History } from '../history/history.js';
import { historyPath } from '../history/database.js';
import { Engine } from '../engine.js';
import { replayExchange } from '../replay/replay.js';
import { defaultDataDir } from './data-dir.js';
import type { CliIO } from './io.js';
import { callServe, readServeInfo } from './serve-info.js';

export async function replayCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      target: { type: 'string' },
      listener: { type: 'string' },
      'drop-masked': { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) {
    io.err('usage: switchyard replay ID [--target URL] [--listener NAME] [--drop-masked] [--data-dir DIR]');
    return 2;
  }
  const [id] = positionals;
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const options = { target: values.target, listener: values.listener, dropMasked: values['drop-masked'] };

  let result: { id: string | null; status: number; statusText: string; mode: string; url: string };
  if (values.target === undefined) {
    const serve = await readServeInfo(dataDir);
    if (serve === null) {
      io.err(`no running \`switchyard serve\` for ${dataDir}: start one (with its workbench API on), or replay directly with --target URL`);
      return 1;
    }
    result = (await callServe(serve, 'replay.send', { id, ...options })) as typeof result;
  } else {
    if (!existsSync(historyPath(dataDir))) {
      io.err(`no history at ${historyPath(dataDir)}`);
      return 1;
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
      result = await replayExchange(original, options, { engine });
      await history.flush();
    } finally {
      await history.close();
    }
  }
  io.out(`${result.mode} replay of ${id} → ${result.url}: ${result.status} ${result.statusText}`);
  if (result.id) io.out(`new exchange: ${result.id}`);
  return 0;
}
