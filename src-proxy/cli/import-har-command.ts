/**
 * `switchyard history import-har FILE [--config FILE]`: puts a HAR file's
 * exchanges into history, marked `source:import`. The running `serve` of the
 * data dir does it when there is one (its workspace masks them and its
 * writer stores them); otherwise they are masked as `--config` says (the
 * default masking without it) and written from here.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importHar } from '../har/har-import.js';
import { History } from '../history/history.js';
import { DEFAULT_CAPTURE } from '../replay/capture-defaults.js';
import { isSwitchyardError } from '../errors.js';
import { defaultDataDir } from './data-dir.js';
import type { CliIO } from './io.js';
import { callServe, readServeInfo } from './serve-info.js';
import { workspaceCapture } from './workspace-capture.js';

export async function importHarCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string' }, config: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) {
    io.err('usage: switchyard history import-har FILE [--config FILE] [--data-dir DIR]');
    return 2;
  }
  const [file] = positionals;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    io.err(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`);
    return 1;
  }
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());

  let result: { imported: number; warnings: string[] };
  const serve = await readServeInfo(dataDir);
  try {
    if (serve !== null) {
      if (values.config !== undefined) io.err(`note: --config is not used: the running serve imports the file, masked as its workspace says`);
      result = (await callServe(serve, 'history.importHar', { har: text })) as typeof result;
    } else {
      const capture = values.config === undefined ? DEFAULT_CAPTURE : await workspaceCapture(values.config, io);
      if (capture === undefined) return 1;
      const { exchanges, warnings } = importHar(text, { maxBodySize: capture.maxBodySize, mask: capture });
      const history = await History.open({ dataDir });
      try {
        const stored = await history.recordAll(exchanges);
        if (stored.withoutBody + stored.dropped > 0) warnings.push(`history kept ${stored.withoutBody} exchange(s) without bodies and could not store ${stored.dropped}`);
      } finally {
        await history.close();
      }
      result = { imported: exchanges.length, warnings };
    }
  } catch (err) {
    if (serve === null && !isSwitchyardError(err)) throw err;
    // The control API takes HAR files up to 128 MB; without serve there is no limit.
    const hint = serve !== null && /larger than/.test((err as Error).message) ? ' (stop `switchyard serve` to import a file this large from the command)' : '';
    io.err(`switchyard history import-har: ${(err as Error).message}${hint}`);
    return 1;
  }
  for (const w of result.warnings) io.err(`warning: ${w}`);
  io.out(`${result.imported} exchange${result.imported === 1 ? '' : 's'} imported from ${file}`);
  return 0;
}
