/**
 * `switchyard diff A B [--json] [--ignore-header NAME]... [--all-headers]`:
 * compares two exchanges of the history (diff.exchanges on the command
 * line). Like diff(1) it exits 0 when they are the same, 1 when they
 * differ, 2 on trouble, so scripts can check a replay against its original.
 */
import { parseArgs } from 'node:util';
import { diffExchanges } from '../replay/diff.js';
import { formatDiff } from './format-diff.js';
import type { CliIO } from './io.js';
import { openHistory } from './open-history.js';
import { printable } from './printable.js';

/** Headers that differ between any two sends of one request (a replay sends a fresh id, on a fresh connection). */
const ALWAYS_DIFFERENT = ['date', 'x-request-id', 'connection', 'keep-alive'];
const USAGE = 'usage: switchyard diff A B [--json] [--ignore-header NAME]... [--all-headers] [--data-dir DIR]';

export async function diffCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
      'ignore-header': { type: 'string', multiple: true },
      'all-headers': { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 2) {
    io.err(USAGE);
    return 2;
  }
  const store = openHistory(values['data-dir'], io);
  if (store === null) return 2;
  try {
    const [a, b] = positionals.map((id) => store.get(id));
    const missing = positionals.filter((_, i) => [a, b][i] === null);
    if (missing.length > 0) {
      io.err(missing.map((id) => `no exchange "${id}" in history`).join('\n'));
      return 2;
    }
    const ignoreHeaders = [...(values['all-headers'] ? [] : ALWAYS_DIFFERENT), ...(values['ignore-header'] ?? [])];
    const diff = await diffExchanges(a!, b!, { ignoreHeaders });
    if (values.json) io.out(JSON.stringify(diff, null, 2));
    else for (const line of formatDiff(diff, ignoreHeaders)) io.out(printable(line));
    return diff.same ? 0 : 1;
  } finally {
    store.close();
  }
}
