import { brotliCompressSync, deflateRawSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_CODINGS, contentCodingsIn, decodeCodings, decodeCodingsAsync, encodeCodings, encodesUncompressed, readableBody } from './content-coding.js';

const text = Buffer.from(JSON.stringify({ words: Array.from({ length: 400 }, (_, i) => `word${i}`) }));
const opts = { maxOutputLength: 1024 * 1024 };

describe('content codings', () => {
  it('reads every Content-Encoding line in order, without identity', () => {
    expect(contentCodingsIn(['Content-Type', 'a', 'Content-Encoding', 'GZIP, identity', 'content-encoding', ' br '])).toEqual(['gzip', 'br']);
    expect(contentCodingsIn(['Content-Type', 'a'])).toEqual([]);
  });

  it('undoes stacked codings last first, sync and async alike, and raw deflate where zlib-wrapped is declared', async () => {
    const twice = brotliCompressSync(gzipSync(text));
    for (const r of [decodeCodings(twice, ['gzip', 'br'], opts), await decodeCodingsAsync(twice, ['gzip', 'br'], opts)]) {
      expect(r).toMatchObject({ ok: true, cut: false });
      expect(r.ok && r.bytes.equals(text)).toBe(true);
    }
    const raw = decodeCodings(deflateRawSync(text), ['deflate'], opts);
    expect(raw.ok && raw.bytes.equals(text)).toBe(true);
  });

  it('refuses more than MAX_CODINGS, and any unknown coding, before doing any work', () => {
    const many = Array(MAX_CODINGS + 1).fill('gzip');
    expect(decodeCodings(gzipSync(text), many, opts)).toEqual({ ok: false, reason: 'too-many' });
    // Unknown on either side of a known one, and names that exist on Object.prototype.
    for (const codings of [['compress', 'gzip'], ['gzip', 'compress'], ['constructor'], ['__proto__']]) {
      expect(decodeCodings(gzipSync(text), codings, opts)).toEqual({ ok: false, reason: 'unknown' });
      expect(encodeCodings(text, codings)).toBeNull();
    }
  });

  it('bounds the output (a bomb is too-large, not an out-of-memory), sync and async', async () => {
    const bomb = gzipSync(Buffer.alloc(opts.maxOutputLength + 1));
    expect(decodeCodings(bomb, ['gzip'], opts)).toEqual({ ok: false, reason: 'too-large' });
    expect(await decodeCodingsAsync(bomb, ['gzip'], opts)).toEqual({ ok: false, reason: 'too-large' });
  });

  it('decodes a stream that ends early (cut at the cap, or an aborted transfer) as far as it goes, and says it is cut', async () => {
    for (const [coding, encode] of [['gzip', gzipSync], ['br', brotliCompressSync]] as const) {
      const wire = encode(Buffer.concat([text, Buffer.from(Array.from({ length: 4000 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 90))).join(''))]));
      const cut = wire.subarray(0, Math.floor(wire.length * 0.8));
      for (const partial of [true, false]) {
        const r = await decodeCodingsAsync(cut, [coding], { ...opts, partial });
        expect(r, `${coding} partial=${partial}`).toMatchObject({ ok: true, cut: true });
        expect(r.ok && text.subarray(0, 100).equals(r.bytes.subarray(0, 100))).toBe(true);
      }
    }
    // Bytes that are not the coding at all do not "decode as far as they go".
    expect(decodeCodings(Buffer.from('plain words'), ['gzip'], opts)).toEqual({ ok: false, reason: 'corrupt' });
  });

  it('gives readers the decoded size, and flags a cut body as truncated with the size it decoded to', () => {
    const wire = gzipSync(text);
    const whole = readableBody({ bytes: wire, size: wire.length, truncated: false, contentType: 'application/json' }, ['Content-Encoding', 'gzip']);
    expect(whole).toMatchObject({ codings: ['gzip'], cut: false, error: null, body: { size: text.length, truncated: false } });
    const cut = readableBody({ bytes: wire.subarray(0, 200), size: wire.length, truncated: true, contentType: 'application/json' }, ['Content-Encoding', 'gzip']);
    expect(cut.cut).toBe(true);
    expect(cut.body.truncated).toBe(true);
    expect(cut.body.size).toBe(cut.body.bytes!.byteLength);
    expect(readableBody({ bytes: Buffer.from('x'), size: 1, truncated: false, contentType: null }, ['Content-Encoding', 'compress']).error).toBe('"compress" cannot be decoded here (gzip, deflate, br and zstd can)');
    expect(readableBody({ bytes: Buffer.from('x'), size: 1, truncated: false, contentType: null }, ['Content-Encoding', 'zstd']).error).toBe('the bytes are not valid zstd');
  });

  it('reads zstd, alone and under gzip, and encodes it again (uncompressed, so callers bound it)', async () => {
    const framed = encodeCodings(text, ['zstd'])!;
    expect(encodesUncompressed(['zstd'])).toBe(true);
    expect(encodesUncompressed(['gzip', 'zstd'])).toBe(true);
    expect(encodesUncompressed(['zstd', 'gzip'])).toBe(false);
    expect(encodesUncompressed(['gzip', 'br'])).toBe(false);
    for (const [wire, codings] of [[framed, ['zstd']], [gzipSync(framed), ['zstd', 'gzip']]] as const) {
      const r = await decodeCodingsAsync(wire, codings, opts);
      expect(r.ok && r.bytes.equals(text)).toBe(true);
      expect(readableBody({ bytes: wire, size: wire.length, truncated: false, contentType: 'application/json' }, ['Content-Encoding', codings.join(', ')])).toMatchObject({ codings, error: null, body: { size: text.length } });
    }
  });
});
