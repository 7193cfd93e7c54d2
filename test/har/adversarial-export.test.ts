/** HAR export as other tools read it, and export → import → export without loss. */
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { exportHar } from '../../src-proxy/har/har-export.js';
import { importHar } from '../../src-proxy/har/har-import.js';
import { makeExchange } from '../history/fixtures.js';
import { comparable } from './compare.js';
import { harErrors } from './har-schema.js';

const KEEP = { mask: { keepSecrets: true, secretHeaders: new Set<string>() } };
const roundTrip = (xs: CapturedExchange[]) => importHar(JSON.parse(JSON.stringify(exportHar(xs))) as unknown, KEEP).exchanges;

describe('HAR export, adversarial', () => {
  const json = Buffer.from(JSON.stringify({ items: Array.from({ length: 50 }, (_, i) => ({ i, name: `item ${i}` })) }));
  const gz = gzipSync(json);
  const br = brotliCompressSync(json);
  const encoded = (n: number, coding: string, wire: Buffer, truncated = false): CapturedExchange =>
    makeExchange(n, {
      responseHeaders: ['Content-Type', 'application/json', 'Content-Encoding', coding],
      responseBody: { bytes: truncated ? wire.subarray(0, 20) : wire, size: wire.length, truncated, contentType: 'application/json' },
    });

  it('writes content-encoded responses decoded, as HAR asks, and imports the wire bytes back exactly', () => {
    const xs = [encoded(1, 'gzip', gz), encoded(2, 'br', br)];
    const har = exportHar(xs);
    expect(harErrors(JSON.parse(JSON.stringify(har)))).toBe('');
    for (const [i, wire] of [gz, br].entries()) {
      const e = har.log.entries[i];
      expect(e.response.content).toMatchObject({ text: json.toString('utf8'), size: json.length, compression: json.length - wire.length });
      expect(e.response.content.encoding).toBeUndefined();
      expect(e.response.bodySize).toBe(wire.length);
    }
    const back = roundTrip(xs);
    expect(back.map(comparable)).toEqual(xs.map(comparable));
  });

  it('writes a truncated encoded body as the text its kept bytes decode to, says it is cut, and imports the wire bytes back', () => {
    // Non-ASCII text, so a cut can fall inside a character.
    const text = Buffer.from(Array.from({ length: 400 }, (_, i) => `{"n":${i},"name":"café ☕ 日本"}`).join('\n'));
    const codings: [string, (b: Buffer) => Buffer][] = [['gzip', gzipSync], ['br', brotliCompressSync], ['deflate', deflateSync]];
    const xs = codings.map(([coding, encode], i) => {
      const wire = encode(text);
      return makeExchange(10 + i, {
        responseHeaders: ['Content-Type', 'application/json', 'Content-Encoding', coding],
        responseBody: { bytes: wire.subarray(0, Math.floor(wire.length / 2)), size: wire.length, truncated: true, contentType: 'application/json' },
      });
    });
    const har = JSON.parse(JSON.stringify(exportHar(xs))) as ReturnType<typeof exportHar>;
    expect(harErrors(har)).toBe('');
    for (const [i, e] of har.log.entries.entries()) {
      const content = e.response.content;
      expect(content.encoding, codings[i][0]).toBeUndefined();
      expect(content.mimeType).toBe('application/json');
      expect(content.text!.length).toBeGreaterThan(100);
      expect(text.toString('utf8').startsWith(content.text!), codings[i][0]).toBe(true);
      expect(content.size).toBe(Buffer.byteLength(content.text!));
      expect(content.comment).toMatch(/truncated: capture kept the first \d+ of \d+ bytes; the text is what they decode to/);
      expect(e._switchyard!.responseBody).toMatchObject({ truncated: true, decodedPrefix: true });
    }
    const back = importHar(har, KEEP).exchanges;
    expect(back.map(comparable)).toEqual(xs.map(comparable));

    // Kept bytes that decode to half a character: the text ends before it, and stays text.
    const half = Buffer.from('{"name":"caf☕"}').subarray(0, 13);
    const open = deflateSync(half, { finishFlush: constants.Z_SYNC_FLUSH });
    const midChar = makeExchange(20, {
      responseHeaders: ['Content-Type', 'application/json', 'Content-Encoding', 'deflate'],
      responseBody: { bytes: open, size: open.length + 10, truncated: true, contentType: 'application/json' },
    });
    expect(exportHar([midChar]).log.entries[0].response.content).toMatchObject({ text: '{"name":"caf', size: 12 });
  });

  it('leaves a truncated body that decodes to nothing, or an undecodable one, as it was captured', () => {
    const cut = exportHar([encoded(3, 'gzip', gz.subarray(0, 10), true)]).log.entries[0].response.content;
    expect(cut).toMatchObject({ encoding: 'base64', text: gz.subarray(0, 10).toString('base64') });
    expect(cut.comment).toMatch(/truncated: capture kept the first 10 of \d+ bytes$/);
    const bogus = encoded(4, 'gzip', Buffer.from('not gzip at all'));
    expect(exportHar([bogus]).log.entries[0].response.content.text).toBe('not gzip at all');
    expect(roundTrip([bogus]).map(comparable)).toEqual([comparable(bogus)]);
  });

  it('keeps the client TLS details and the interception flag through a round trip', () => {
    const x = makeExchange(5, { scheme: 'https', intercepted: true, tls: { version: 'TLSv1.3', sni: 'api.test', alpn: 'h2' } });
    const back = roundTrip([x])[0];
    expect(back.intercepted).toBe(true);
    expect(back.tls).toEqual({ version: 'TLSv1.3', sni: 'api.test', alpn: 'h2' });
  });

  it('never writes negative timings, and uses -1 for the phases it does not know', () => {
    const x = makeExchange(6, { timings: { queue: -3, connect: Number.NaN, ttfb: 4, total: 2 }, duration: 2 });
    const e = exportHar([x]).log.entries[0];
    for (const v of Object.values(e.timings)) expect(v === -1 || v >= 0).toBe(true);
    expect(e.timings).toMatchObject({ dns: -1, ssl: -1 });
    expect(e.time).toBeGreaterThanOrEqual(0);
  });
});
