/** Body diffs a demanding user would try: numbers spelled differently, numbers too long for a double, key order. */
import { describe, expect, it } from 'vitest';
import type { CapturedBody } from '../../src-proxy/capture/captured-exchange.js';
import { diffBodies } from '../../src-proxy/replay/body-diff.js';
import { parseJsonExact } from '../../src-proxy/replay/json-exact.js';

const json = (text: string): CapturedBody => {
  const bytes = new TextEncoder().encode(text);
  return { bytes, size: bytes.byteLength, truncated: false, contentType: 'application/json' };
};

describe('JSON body diff', () => {
  it('tells apart ids too long for a double instead of calling them equal', () => {
    const d = diffBodies(json('{"id":12345678901234567890,"n":[9007199254740993]}'), json('{"id":12345678901234567891,"n":[9007199254740992]}'));
    expect(d.same).toBe(false);
    if (d.kind !== 'json') throw new Error(d.kind);
    expect(d.changes.map((c) => c.path)).toEqual(['$.id', '$.n[0]']);
    expect(JSON.parse(JSON.stringify(d.changes[0]))).toEqual({ path: '$.id', kind: 'changed', a: '12345678901234567890', b: '12345678901234567891' });
  });

  it('treats the same long number spelled differently as equal, and 1 vs 1.0 as the same JSON that is not byte-equal', () => {
    const long = diffBodies(json('{"id":12345678901234567890}'), json('{"id":1.2345678901234567890e19}'));
    expect(long.same).toBe(true);
    const d = diffBodies(json('{"a":1,"b":[1.5]}'), json('{"b":[15e-1],"a":1.0}'));
    expect(d).toMatchObject({ kind: 'json', same: true, bytesEqual: false, changes: [] });
    expect(diffBodies(json('{"a":1}'), json('{"a":1}'))).toMatchObject({ same: true, bytesEqual: true });
  });

  it('a truncated side is never the same as a complete one', () => {
    const whole = json('{"a":1}');
    expect(diffBodies(whole, { ...whole, truncated: true, size: 100 }).same).toBe(false);
  });

  it('parses like JSON.parse otherwise, strings with digits and escapes included', () => {
    const text = '{"s":"-12345678901234567890 \\" 99999999999999999999","k":[true,null,-0.5,1e400]}';
    const v = parseJsonExact(text) as { s: string; k: unknown[] };
    expect(v.s).toBe(JSON.parse(text).s);
    expect(v.k.slice(0, 3)).toEqual([true, null, -0.5]);
    expect(JSON.parse(JSON.stringify(v.k[3]))).toBe('1e400');
    expect(() => parseJsonExact('{"a":01}')).toThrow(SyntaxError);
  });
});

describe('diff of bodies that were not stored', () => {
  it('does not call two bodies the same when neither was stored (a HAR without content, bodies dropped under load)', async () => {
    const { importHar } = await import('../../src-proxy/har/har-import.js');
    const { diffExchanges } = await import('../../src-proxy/replay/diff.js');
    const { formatDiff } = await import('../../src-proxy/cli/format-diff.js');
    const entry = (text?: string) => ({
      startedDateTime: '2026-01-01T00:00:00Z',
      time: 1,
      request: { method: 'GET', url: 'http://nobody.test/a', headers: [] },
      response: { status: 200, headers: [{ name: 'content-type', value: 'application/json' }], content: { size: 5000, mimeType: 'application/json', ...(text === undefined ? {} : { text }) } },
    });
    const [a, b, empty1, empty2] = importHar({
      log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [entry(), entry(), { ...entry(), response: { status: 204, headers: [], content: { size: 0 } } }, { ...entry(), response: { status: 204, headers: [], content: { size: 0 } } }] },
    }).exchanges;
    const d = await diffExchanges(a, b);
    expect(d.response.body).toMatchObject({ kind: 'none', same: false, partial: true });
    expect(d.same).toBe(false);
    expect(formatDiff(d)).toContain('response body: not stored (5000 B), so not compared');
    // Two empty bodies are still the same.
    expect((await diffExchanges(empty1, empty2)).response.body).toMatchObject({ kind: 'none', same: true, partial: false });
  });
});
