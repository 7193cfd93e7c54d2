/** The HAR file writer: entry by entry, the same document as exportHar, all or nothing. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { exportHar } from '../../src-proxy/har/har-export.js';
import { writeHarFile } from '../../src-proxy/har/har-file.js';
import { makeExchange, tempDir } from '../history/fixtures.js';
import { harErrors } from './har-schema.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
const dir = () => {
  const t = tempDir('switchyard-har-file-');
  cleanups.push(t.cleanup);
  return t.dir;
};

describe('writeHarFile', () => {
  it('writes the same HAR as exportHar, for no, one and several entries', async () => {
    const d = dir();
    const xs = [makeExchange(1), makeExchange(2, { url: '/multi\nline?x="q"', responseHeaders: ['X-A', 'a\tb'] }), makeExchange(3)];
    for (const list of [[], xs.slice(0, 1), xs]) {
      const file = join(d, `out-${list.length}.har`);
      expect(await writeHarFile(file, list, { version: '1.0.0' })).toBe(list.length);
      const written = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      expect(written).toEqual(JSON.parse(JSON.stringify(exportHar(list, { version: '1.0.0' }))));
      expect(harErrors(written)).toBe('');
    }
  });

  it('leaves an existing file untouched and no partial file behind when the export fails', async () => {
    const d = dir();
    const file = join(d, 'keep.har');
    writeFileSync(file, 'previous export');
    async function* failing(): AsyncGenerator<CapturedExchange> {
      yield makeExchange(1);
      throw new Error('database went away');
    }
    await expect(writeHarFile(file, failing())).rejects.toThrow('database went away');
    expect(readFileSync(file, 'utf8')).toBe('previous export');
    expect(readdirSync(d)).toEqual(['keep.har']);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });
});
