/**
 * `switchyard cache purge [--key KEY | --prefix PREFIX | --all] [--policy NAME]`
 * and `switchyard cache stats`: act on the running `serve` of the data dir
 * through its control API (found via `<data-dir>/serve.json`).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from './data-dir.js';
import type { CliIO } from './io.js';
import { callServe, readServeInfo } from './serve-info.js';

const USAGE = 'usage: switchyard cache purge (--key KEY | --prefix PREFIX | --all) [--policy NAME] [--data-dir DIR]\n       switchyard cache stats [--policy NAME] [--data-dir DIR]';

export async function cacheCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      key: { type: 'string' },
      prefix: { type: 'string' },
      all: { type: 'boolean' },
      policy: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [sub, ...extra] = positionals;
  const selectors = [values.key !== undefined, values.prefix !== undefined, values.all === true].filter(Boolean).length;
  if (extra.length > 0 || (sub === 'purge' && selectors !== 1) || (sub === 'stats' && selectors !== 0) || (sub !== 'purge' && sub !== 'stats')) {
    io.err(USAGE);
    return 2;
  }
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const serve = await readServeInfo(dataDir);
  if (serve === null) {
    io.err(`no running \`switchyard serve\` for ${dataDir}: start one (with its workbench API on)`);
    return 1;
  }
  const policy = values.policy === undefined ? {} : { policy: values.policy };
  if (sub === 'stats') {
    io.out(JSON.stringify(await callServe(serve, 'cache.stats', policy), null, 2));
    return 0;
  }
  const selector = values.key !== undefined ? { key: values.key } : values.prefix !== undefined ? { prefix: values.prefix } : { all: true };
  const result = (await callServe(serve, 'cache.purge', { ...selector, ...policy })) as { purged: number };
  io.out(`purged ${result.purged} stored response(s)`);
  return 0;
}
