/** The history database of a data dir, for the commands that use it without a running `serve`. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { historyPath } from '../history/database.js';
import { HistoryStore } from '../history/history-store.js';
import { defaultDataDir } from './data-dir.js';
import type { CliIO } from './io.js';

/** The database file, or null (after saying so on stderr) when the data dir has no history yet: opening one would create it. */
export function existingHistory(dataDir: string | undefined, io: CliIO): string | null {
  const file = historyPath(resolve(dataDir ?? defaultDataDir()));
  if (existsSync(file)) return file;
  io.err(`no history at ${file} (run \`switchyard serve\` first, or pass --data-dir)`);
  return null;
}

/** The store, or null as above. */
export function openHistory(dataDir: string | undefined, io: CliIO): HistoryStore | null {
  const file = existingHistory(dataDir, io);
  return file === null ? null : HistoryStore.open(file);
}
