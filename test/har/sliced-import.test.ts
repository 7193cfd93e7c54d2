/**
 * `serve` imports HAR files a slice at a time (the gateway shares the
 * thread): the sliced import must give exactly what the one-go import gives,
 * fail the same way, and really hand the event loop back between entries.
 */
import { describe, expect, it } from 'vitest';
import { HarImportError, importHar, importHarInSlices } from '../../src-proxy/har/har-import.js';

function entry(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    startedDateTime: new Date(Date.UTC(2026, 10, 20, 10, 0, 0, i)).toISOString(),
    time: 5,
    request: { method: 'POST', url: `https://app.test/api/${i}?token=t${i}`, httpVersion: 'HTTP/2', headers: [{ name: 'authorization', value: `Bearer s${i}` }], postData: { mimeType: 'application/json', text: `{"i":${i}}` } },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/2',
      headers: [{ name: 'content-type', value: 'application/octet-stream' }],
      content: { size: 3, mimeType: 'application/octet-stream', text: Buffer.from([i & 0xff, 1, 2]).toString('base64'), encoding: 'base64' },
    },
    ...overrides,
  };
}

function har(entries: unknown[]): string {
  return JSON.stringify({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries } });
}

/** The records without what is new on every import (the exchange id, and the request id made from it when the HAR has none). */
function comparable(result: Awaited<ReturnType<typeof importHarInSlices>>) {
  return { ...result, exchanges: result.exchanges.map(({ id: _id, requestId: _rid, ...rest }) => rest) };
}

describe('importHarInSlices', () => {
  const entries = [
    ...Array.from({ length: 40 }, (_, i) => entry(i)),
    entry(40, { request: { method: 'GET', url: 'data:text/plain,hello', httpVersion: 'HTTP/1.1', headers: [] } }),
    entry(41, { request: { method: 'GET BAD', url: 'https://app.test/', httpVersion: 'HTTP/1.1', headers: [] } }),
  ];

  it('gives what importHar gives: records, masking, warnings and skipped entries', async () => {
    const text = har(entries);
    const options = { skipInvalid: true, maxBodySize: 2 };
    const sliced = await importHarInSlices(text, options, 0);
    expect(sliced.exchanges).toHaveLength(40);
    expect(sliced.warnings).toHaveLength(2);
    expect(sliced.exchanges[7].requestHeaders).toContain('Bearer [masked]');
    expect(sliced.exchanges[7].responseBody).toMatchObject({ size: 3, truncated: true });
    expect(comparable(sliced)).toEqual(comparable(importHar(text, options)));
  });

  it('fails as importHar does: the entry at fault, or the JSON error with its position', async () => {
    const bad = har(entries);
    await expect(importHarInSlices(bad, {}, 0)).rejects.toThrow(HarImportError);
    await expect(importHarInSlices(bad, {}, 0)).rejects.toMatchObject({ entry: 41 });
    expect(() => importHar(bad)).toThrow(/HAR entry 42 \(log\.entries\[41\]\) is invalid/);
    await expect(importHarInSlices('{"log": {"entries": [}', {}, 0)).rejects.toThrow(/not JSON .*line 1, column 22/);
  });

  it('lets other callbacks run between entries', async () => {
    let entriesDone = -1;
    let ranDuring = false;
    const text = har(Array.from({ length: 200 }, (_, i) => entry(i)));
    const importing = importHarInSlices(text, {}, 0).then((r) => (entriesDone = r.exchanges.length));
    setImmediate(() => (ranDuring = entriesDone === -1));
    await importing;
    expect(entriesDone).toBe(200);
    expect(ranDuring).toBe(true);
  });
});
