/**
 * `switchyard history search QUERY [--limit N] [--json]`,
 * `switchyard history show ID [--json]` and
 * `switchyard history export-har QUERY -o FILE` — read the history database
 * directly (SQLite in WAL mode lets them run beside a serving gateway).
 * `history import-har`, `delete` and `clear` write, so they have modules of their own.
 */
import { writeHarFile } from '../har/har-file.js';
import { HistoryStore } from '../history/history-store.js';
import { QuerySyntaxError } from '../history/query-language.js';
import type { CapturedExchange } from '../capture/captured-exchange.js';
import { toWire } from '../control/wire.js';
import { formatExchange } from './format-exchange.js';
import { historyDeleteCommand } from './history-delete-command.js';
import { importHarCommand } from './import-har-command.js';
import { localTimestamp } from './local-time.js';
import { openHistory } from './open-history.js';
import { printable } from './printable.js';
import { parseQueryArgs } from './query-args.js';
import { printQueryError } from './query-error.js';
import type { CliIO } from './io.js';

const USAGE = [
  'usage: switchyard history search QUERY [--limit N] [--json] [--data-dir DIR]',
  '       switchyard history show ID [--json] [--data-dir DIR]',
  '       switchyard history export-har QUERY -o FILE [--limit N] [--data-dir DIR]',
  '       switchyard history import-har FILE [--config FILE] [--data-dir DIR]',
  '       switchyard history delete QUERY [--data-dir DIR]',
  '       switchyard history clear --yes [--data-dir DIR]',
].join('\n');
const VERBS = ['search', 'show', 'export-har'];

export async function historyCommand(args: string[], io: CliIO, version: string): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === 'import-har') return importHarCommand(rest, io);
  if (verb === 'delete' || verb === 'clear') return historyDeleteCommand(verb, rest, io);
  const { values, positionals } = parseQueryArgs(rest, {
    'data-dir': { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  });
  const showMisused = verb === 'show' && (positionals.length !== 1 || values.limit !== undefined || values.output !== undefined);
  if (!VERBS.includes(verb) || positionals.length > 1 || showMisused) {
    io.err(USAGE);
    return 2;
  }
  const query = positionals[0] ?? '';
  const limit = values.limit === undefined ? (verb === 'search' ? 50 : 10_000) : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    io.err(`--limit: "${values.limit}" is not a positive whole number`);
    return 2;
  }
  const store = openHistory(values['data-dir'], io);
  if (store === null) return 1;
  try {
    if (verb === 'search') return search(store, query, limit, values.json ?? false, io);
    if (verb === 'show') return await show(store, positionals[0], values.json ?? false, io);
    if (!values.output) {
      io.err('export-har needs -o FILE');
      return 2;
    }
    // Page by page: only one page of exchanges is in memory while the file is written.
    let more = false;
    const matching = async function* (): AsyncGenerator<CapturedExchange> {
      let cursor: string | undefined;
      let taken = 0;
      do {
        const page = store.search({ query, limit: Math.min(500, limit - taken), cursor });
        for (const item of page.items) {
          const x = store.get(item.id);
          if (x) {
            taken++;
            yield x;
          }
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined && taken < limit);
      more = cursor !== undefined;
    };
    let written: number;
    try {
      written = await writeHarFile(values.output, matching(), { version });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined) throw err;
      io.err(`-o ${values.output}: ${code === 'ENOENT' ? 'directory not found' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
      return 1;
    }
    io.out(`${written} exchange${written === 1 ? '' : 's'} written to ${values.output}`);
    // Never let a limit cut an export short without saying so.
    if (more) io.err(`more exchanges match: only the newest ${limit} were written (raise --limit to export more)`);
    return 0;
  } catch (err) {
    if (err instanceof QuerySyntaxError) {
      printQueryError(io, query, err);
      return 1;
    }
    throw err;
  } finally {
    store.close();
  }
}

function search(store: HistoryStore, query: string, limit: number, json: boolean, io: CliIO): number {
  const page = store.search({ query, limit, withTotal: true });
  if (json) {
    io.out(JSON.stringify(page, null, 2));
    return 0;
  }
  for (const x of page.items) {
    const time = localTimestamp(x.startedAt);
    const status = x.status === 0 ? '---' : String(x.status);
    io.out(printable(`${time}  ${x.id}  ${status} ${x.method.padEnd(6)} ${x.host}${x.url}  ${x.duration.toFixed(1)}ms  ${x.route ?? '-'} → ${x.target ?? '-'}`));
  }
  io.out(`${page.items.length} of ${page.total ?? page.items.length} matching exchanges`);
  return 0;
}

async function show(store: HistoryStore, id: string, json: boolean, io: CliIO): Promise<number> {
  const x = store.get(id);
  if (x === null) {
    io.err(`no exchange "${id}" in history`);
    return 1;
  }
  if (json) io.out(JSON.stringify(await toWire(x), null, 2));
  else for (const line of await formatExchange(x)) io.out(printable(line));
  return 0;
}
