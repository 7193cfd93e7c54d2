/**
 * `switchyard history delete QUERY` and `switchyard history clear --yes`.
 * The running `serve` of the data dir does it when there is one (so its
 * live view forgets the exchanges too); otherwise the database is changed
 * from here. The query is checked first, so a typo never deletes anything.
 */
import { resolve } from 'node:path';
import { History } from '../history/history.js';
import { QuerySyntaxError, parseQuery } from '../history/query-language.js';
import { defaultDataDir } from './data-dir.js';
import type { CliIO } from './io.js';
import { existingHistory } from './open-history.js';
import { parseQueryArgs } from './query-args.js';
import { printQueryError } from './query-error.js';
import { callServe, readServeInfo } from './serve-info.js';

export async function historyDeleteCommand(verb: 'delete' | 'clear', args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseQueryArgs(args, { 'data-dir': { type: 'string' }, yes: { type: 'boolean' } });
  const query = positionals[0] ?? '';
  if (verb === 'delete' ? positionals.length !== 1 || query.trim() === '' : positionals.length !== 0 || values.yes !== true) {
    io.err(
      verb === 'delete'
        ? 'usage: switchyard history delete QUERY [--data-dir DIR]   (every exchange: history clear --yes)'
        : 'usage: switchyard history clear --yes [--data-dir DIR]   (deletes every exchange)',
    );
    return 2;
  }
  if (verb === 'delete') {
    try {
      parseQuery(query);
    } catch (err) {
      if (!(err instanceof QuerySyntaxError)) throw err;
      printQueryError(io, query, err);
      return 1;
    }
  }
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  let deleted: number;
  const serve = await readServeInfo(dataDir);
  if (serve !== null) {
    try {
      ({ deleted } = (await callServe(serve, verb === 'delete' ? 'history.delete' : 'history.clear', verb === 'delete' ? { query } : {})) as { deleted: number });
    } catch (err) {
      io.err(`switchyard history ${verb}: ${(err as Error).message}`);
      return 1;
    }
  } else {
    if (existingHistory(dataDir, io) === null) return 1;
    const history = await History.open({ dataDir });
    try {
      deleted = verb === 'delete' ? await history.delete({ query, now: Date.now() }) : await history.clear();
    } finally {
      await history.close();
    }
  }
  io.out(`${deleted} exchange${deleted === 1 ? '' : 's'} deleted`);
  return 0;
}
