/**
 * Writes a HAR file entry by entry, so an export of many large exchanges never
 * needs the whole document as one string (V8 caps a string at ~512 MB) or
 * every exchange in memory at once. The file appears complete or not at all:
 * it is written beside the target and renamed into place.
 */
import { open, rename, rm } from 'node:fs/promises';
import type { CapturedExchange } from '../capture/captured-exchange.js';
import { exportHar, harEntry, type HarExportOptions } from './har-export.js';

/** Writes the exchanges (in the order given) as a HAR 1.2 file; resolves with how many were written. */
export async function writeHarFile(file: string, exchanges: AsyncIterable<CapturedExchange> | Iterable<CapturedExchange>, options: HarExportOptions = {}): Promise<number> {
  const shell = JSON.stringify(exportHar([], options), null, 2);
  const at = shell.indexOf('"entries": []');
  if (at === -1) throw new Error('unexpected HAR shell');
  const temp = `${file}.${process.pid}.partial`;
  const handle = await open(temp, 'w');
  let count = 0;
  try {
    await handle.write(`${shell.slice(0, at)}"entries": [`);
    for await (const x of exchanges) {
      // JSON.stringify escapes newlines inside strings, so indenting every line only touches the layout.
      const entry = JSON.stringify(harEntry(x), null, 2).replace(/^/gm, '      ');
      await handle.write(`${count === 0 ? '\n' : ',\n'}${entry}`);
      count++;
    }
    await handle.write(`${count === 0 ? '' : '\n    '}]${shell.slice(at + '"entries": []'.length)}`);
    await handle.close();
    await rename(temp, file);
    return count;
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
}
