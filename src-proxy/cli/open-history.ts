/** The history database of a data dir, opened for the commands that read it. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { historyPath } from '../history/database.js';
import { HistoryStore } from '../history/history-store.js';
import { defaultDataDir } from './data-dir.js';
import type { CliIO } from './io.js';

/** The store, or null (after saying so on stderr) when the data dir has no history yet. */
export function openHistory(dataDir: string | undefined, io: CliIO): HistoryStore | null {
  const file = historyPath(resolve(dataDir ?? defaultDataDir()));
  if (!existsSync(file)) {
    io.err(`no history at ${file} (run \`switchyard serve\` first, or pass --data-dir)`);
    return null;
  }
  return HistoryStore.open(file);
}
