// history.exportHar builds the HAR in memory: past MAX_HAR_EXPORT_BYTES it refuses with a clear
// problem instead of risking the gateway's memory (the CLI streams exports of any size).
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RecentExchanges } from '../../src-proxy/capture/recent-exchanges.js';
import { ControlService, type ControlDeps } from '../../src-proxy/control/control-service.js';
import { MAX_HAR_EXPORT_BYTES } from '../../src-proxy/control/replay-methods.js';
import { isSwitchyardError } from '../../src-proxy/errors.js';
import { makeExchange } from '../history/fixtures.js';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';

const MIB = 1024 * 1024;
// One body shared by every record: the test's own memory stays small while each record weighs 1 MiB.
const body = { bytes: new Uint8Array(MIB), size: MIB, truncated: false, contentType: 'application/octet-stream' };

function controlWith(count: number, overrides: Partial<CapturedExchange> = { responseBody: body }): { control: ControlService; ids: string[] } {
  const recent = new RecentExchanges(count, Number.MAX_SAFE_INTEGER);
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const record = makeExchange(n, overrides);
    recent.add(record);
    ids.push(record.id);
  }
  return { control: new ControlService({ recent, history: null, info: { version: 'test', dataDir: '' } } as unknown as ControlDeps), ids };
}

describe('history.exportHar size limit', () => {
  it('exports a selection under the limit whole', async () => {
    const { control, ids } = controlWith(8);
    const har = (await control.call('history.exportHar', { ids })) as { log: { entries: { response: { content: { size: number } } }[] } };
    expect(har.log.entries).toHaveLength(8);
    expect(har.log.entries.every((e) => e.response.content.size === MIB)).toBe(true);
  });

  it('refuses a selection whose HAR would pass the limit, naming the way out', async () => {
    // Bodies go into the HAR as base64: 4/3 of their size each.
    const count = Math.ceil(MAX_HAR_EXPORT_BYTES / ((MIB * 4) / 3)) + 1;
    const { control, ids } = controlWith(count);
    const err = await control.call('history.exportHar', { ids }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isSwitchyardError(err) && err.code).toBe('EXPORT_TOO_LARGE');
    expect((err as Error).message).toMatch(new RegExp(`The ${count} chosen exchanges make a HAR of more than 128 MB \\(9\\d fit\\).*switchyard history export-har`));
  });

  it('counts compressed responses at their decoded size, as the HAR writes them', async () => {
    // 2 MiB of JSON that gzips to a few KB: stored small, written large.
    const json = Buffer.from(`[${'"switchyard",'.repeat(2 * MIB / 13)}0]`);
    const gz = gzipSync(json);
    expect(gz.length).toBeLessThan(32 * 1024);
    const count = Math.ceil(MAX_HAR_EXPORT_BYTES / json.length) + 1;
    const { control, ids } = controlWith(count, {
      responseHeaders: ['content-type', 'application/json', 'content-encoding', 'gzip'],
      responseBody: { bytes: gz, size: gz.length, truncated: false, contentType: 'application/json' },
    });
    await expect(control.call('history.exportHar', { ids: ids.slice(0, 4) })).resolves.toMatchObject({ log: { entries: { length: 4 } } });
    await expect(control.call('history.exportHar', { ids })).rejects.toMatchObject({ code: 'EXPORT_TOO_LARGE' });
  });
});
