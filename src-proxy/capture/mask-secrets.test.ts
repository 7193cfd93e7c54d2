import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CapturedBody } from './captured-exchange.js';
import { MAX_DECODED, readableBody } from './content-coding.js';
import { maskJwts } from './mask-jwts.js';
import { zstdDecode, zstdEncodeRaw } from './zstd-coding.js';
import { MASK, maskBody as maskedBody, maskBodyAsync as maskedBodyAsync, maskHeaders, maskMessages, maskUrl } from './mask-secrets.js';

const ZSTD = '/usr/bin/zstd';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';
// The stored bytes.
const maskBody = (body: CapturedBody, headers: readonly string[], aborted = false) => maskedBody(body, headers, { aborted }).bytes;
const maskBodyAsync = async (body: CapturedBody, headers: readonly string[]) => (await maskedBodyAsync(body, headers)).bytes;

describe('maskUrl', () => {
  it('masks named query parameters (also when percent-encoded) and JWTs, keeping the rest as written', () => {
    const names = new Set(['api_key', 'token']);
    expect(maskUrl('/list?a=1&api_key=k-123&b=two%20words', names)).toBe(`/list?a=1&api_key=${MASK}&b=two%20words`);
    expect(maskUrl('/x?api%5Fkey=k&token=t&tokenish=keep', names)).toBe(`/x?api%5Fkey=${MASK}&token=${MASK}&tokenish=keep`);
    expect(maskUrl(`/x?jwt=${JWT}`, new Set())).toBe('/x?jwt=[masked-jwt]');
    expect(maskUrl('/no-query', names)).toBe('/no-query');
    expect(maskUrl('/x?api_key', names)).toBe('/x?api_key');
  });
});

describe('maskHeaders', () => {
  it('keeps the shape of credentials and returns the input when nothing is secret', () => {
    const raw = ['Authorization', 'Bearer abc', 'Cookie', 'a=1; b=2', 'X-Api-Key', 'k', 'Accept', '*/*'];
    expect(maskHeaders(raw, new Set(['authorization', 'cookie', 'x-api-key']))).toEqual([
      'Authorization', `Bearer ${MASK}`, 'Cookie', `a=${MASK}; b=${MASK}`, 'X-Api-Key', MASK, 'Accept', '*/*',
    ]);
    // A nameless cookie is its value alone: masked too.
    expect(maskHeaders(['Cookie', 'sid=abc; NAMELESSSECRET', 'cookie', 'onlyvalue', 'Cookie', 'a=1;  '], new Set(['cookie']))).toEqual([
      'Cookie', `sid=${MASK}; ${MASK}`, 'cookie', MASK, 'Cookie', `a=${MASK};  `,
    ]);
    const plain = ['Accept', '*/*'];
    expect(maskHeaders(plain, new Set(['authorization']))).toBe(plain);
    expect(maskJwts(`token ${JWT}`)).toBe('token [masked-jwt]');
  });

  it('keeps an empty credential empty: there is no secret in it, and "[masked]" would make replay demand one', () => {
    const names = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);
    const raw = ['Authorization', '', 'Proxy-Authorization', '', 'Cookie', '', 'Set-Cookie', '', 'X-Api-Key', ''];
    expect(maskHeaders(raw, names)).toEqual(raw);
  });
});

describe('maskBody', () => {
  const body = (bytes: Uint8Array, contentType = 'application/json', truncated = false): CapturedBody => ({ bytes, size: bytes.byteLength, truncated, contentType });

  it('changes only the JWT: invalid UTF-8, a character cut at the cap and gzip-like bytes without a Content-Encoding stay byte for byte', () => {
    const before = Buffer.concat([Buffer.from([0xff, 0x1f, 0x8b]), Buffer.from(`{"t":"${JWT}","eyJ":"é`), Buffer.from('€').subarray(0, 2)]);
    const masked = Buffer.from(maskBody(body(before), [])!);
    const expected = Buffer.concat([Buffer.from([0xff, 0x1f, 0x8b]), Buffer.from('{"t":"[masked-jwt]","eyJ":"é'), Buffer.from('€').subarray(0, 2)]);
    expect(masked.toString('hex')).toBe(expected.toString('hex'));
    // "eyJ" without a JWT: the very same bytes come back.
    const gzipLike = Buffer.from([0x1f, 0x8b, 0x08, 0x65, 0x79, 0x4a, 0xc3, 0x28, 0xfe]);
    expect(maskBody(body(gzipLike), [])).toBe(gzipLike);
  });

  it('leaves bodies without a JWT untouched, binary or compressed', () => {
    const png = Buffer.concat([Buffer.from('\x89PNG\r\n'), randomBytes(4096)]);
    expect(maskBody(body(png, 'image/png'), [])).toBe(png);
    const plain = gzipSync('{"ok":true}');
    expect(maskBody(body(plain), ['Content-Encoding', 'gzip'])).toBe(plain);
    const unchanged = body(plain);
    expect(maskedBody(unchanged, ['Content-Encoding', 'gzip'])).toBe(unchanged);
  });

  it('masks a JWT whatever the media type says (a JWT type, ndjson, multipart, yaml, octet-stream, none), compressed or not', async () => {
    const cases: [string | null, string][] = [
      ['application/jwt', JWT],
      ['application/x-ndjson', `{"t":"${JWT}"}\n{"t":2}\n`],
      ['multipart/form-data', `--x\r\nContent-Disposition: form-data; name="t"\r\n\r\n${JWT}\r\n--x--`],
      ['application/yaml', `token: ${JWT}\n`],
      ['application/octet-stream', `token=${JWT}`],
      [null, `{"t":"${JWT}"}`],
    ];
    for (const [type, text] of cases) {
      const plain = maskBody(body(Buffer.from(text), type as string), [])!;
      expect(Buffer.from(plain).toString(), String(type)).toBe(text.replace(JWT, '[masked-jwt]'));
      const gz = await maskBodyAsync(body(gzipSync(text), type as string), ['Content-Encoding', 'gzip']);
      expect(gunzipSync(gz!).toString(), `${type} gzip`).toBe(text.replace(JWT, '[masked-jwt]'));
    }
  });

  it('masks a JWT cut off by the capture cap, plain or compressed', () => {
    for (const keep of [4, 12, JWT.indexOf('.') + 1, JWT.indexOf('.') + 3, JWT.lastIndexOf('.')]) {
      const cut = Buffer.from(`{"token":"${JWT.slice(0, keep)}`);
      expect(Buffer.from(maskBody({ ...body(cut), size: 100, truncated: true }, [])!).toString(), `first ${keep}`).toBe('{"token":"[masked-jwt]');
      // Not cut: "eyJ" and a few letters at the end are just text.
      expect(maskBody(body(cut), [])).toBe(cut);
    }
    const wire = gzipSync(Buffer.from(`{"token":"${JWT}","rest":"${randomBytes(20_000).toString('hex')}"}`));
    // Far enough into the stream that the start of the JWT decodes, not all of it.
    let end = 20;
    while (!gunzipSync(wire.subarray(0, end), { finishFlush: constants.Z_SYNC_FLUSH }).toString().includes('eyJhbG')) end++;
    const masked = maskBody({ ...body(wire.subarray(0, end)), truncated: true }, ['Content-Encoding', 'gzip'])!;
    expect(gunzipSync(masked, { finishFlush: constants.Z_SYNC_FLUSH }).toString()).toBe('{"token":"[masked-jwt]');
  });

  it.each([
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('masks a JWT sent after the end of a complete %s stream (where decoders stop reading)', async (name, encode) => {
    const wire = Buffer.concat([encode(Buffer.from('{"ok":true}')), Buffer.from(` ${JWT}`)]);
    for (const out of [maskedBody(body(wire), ['Content-Encoding', name]), await maskedBodyAsync(body(wire), ['Content-Encoding', name])]) {
      expect(out.bytes).not.toBeNull();
      expect(Buffer.from(out.bytes!).includes(JWT)).toBe(false);
      // What is stored is the decoded text encoded again: the viewer still shows it.
      expect(Buffer.from(readableBody(out, ['Content-Encoding', name]).body.bytes!).toString()).toBe('{"ok":true}');
    }
  });

  it('masks plain text mislabelled as br that happens to decode (to nothing) as brotli', () => {
    const text = Buffer.from(`3abc ${JWT}"}`);
    expect(brotliDecompressSync(text).byteLength).toBe(0);
    expect(Buffer.from(maskBody(body(text), ['Content-Encoding', 'br'])!).toString()).toBe('3abc [masked-jwt]"}');
  });

  it('stores a body whose stream ended early, once masked, as a stream that still ends early (not flagged as capped)', async () => {
    const wire = gzipSync(Buffer.from(`{"token":"${JWT}","rest":"${randomBytes(20_000).toString('hex')}"}`));
    const aborted = body(wire.subarray(0, Math.floor(wire.length / 2)));
    expect(readableBody(aborted, ['Content-Encoding', 'gzip']).cut).toBe(true);
    for (const out of [maskedBody(aborted, ['Content-Encoding', 'gzip']), await maskedBodyAsync(aborted, ['Content-Encoding', 'gzip'])]) {
      expect(out).toMatchObject({ truncated: false, size: aborted.size });
      expect(() => gunzipSync(out.bytes!)).toThrow();
      const read = readableBody(out, ['Content-Encoding', 'gzip']);
      expect(read.cut).toBe(true);
      expect(Buffer.from(read.body.bytes!).toString()).toMatch(/^\{"token":"\[masked-jwt\]","rest":"[0-9a-f]+$/);
    }
  });

  it('masks a JWT an aborted transfer cut off, when told the body ended early', () => {
    const cut = Buffer.from(`{"token":"${JWT.slice(0, JWT.lastIndexOf('.'))}`);
    expect(maskBody(body(cut), [])).toBe(cut);
    expect(Buffer.from(maskBody(body(cut), [], true)!).toString()).toBe('{"token":"[masked-jwt]');
  });

  it('keeps a long base64 field cut at the cap whole: an "eyJ" deep inside it is not a JWT', () => {
    const field = randomBytes(300_000).toString('base64url');
    const text = Buffer.from(`{"blob":"${field.slice(0, 1000)}eyJ${field.slice(1000)}`);
    expect(maskBody({ ...body(text), size: text.length * 2, truncated: true }, [])).toBe(text);
  });

  it('masks a JWT inside a stacked coding that only the inner layer holds (a gzip file name, bytes after an inner stream)', async () => {
    const named = Buffer.from(gzipSync('{"ok":true}'));
    // FLG.FNAME and a zero-terminated name after the 10-byte header: what `gzip file` writes.
    const inner = Buffer.concat([named.subarray(0, 3), Buffer.from([0x08]), named.subarray(4, 10), Buffer.from(`${JWT}\0`), named.subarray(10)]);
    expect(gunzipSync(inner).toString()).toBe('{"ok":true}');
    const cases: [string, Buffer][] = [
      ['gzip, gzip', gzipSync(inner)],
      ['gzip, br', brotliCompressSync(inner)],
      ['deflate, gzip', gzipSync(Buffer.concat([deflateSync('{"ok":true}'), Buffer.from(` ${JWT}`)]))],
    ];
    for (const [codings, wire] of cases) {
      for (const out of [maskBody(body(wire), ['Content-Encoding', codings]), await maskBodyAsync(body(wire), ['Content-Encoding', codings])]) {
        expect(out, codings).not.toBeNull();
        const [first, second] = codings.split(', ');
        const undo = (name: string, b: Uint8Array) => (name === 'gzip' ? gunzipSync(b) : name === 'br' ? brotliDecompressSync(b) : inflateSync(b));
        const once = undo(second, out!);
        expect(once.includes(JWT), codings).toBe(false);
        expect(undo(first, once).toString(), codings).toBe('{"ok":true}');
      }
    }
  });

  it('decodes at most 200 times the bytes sent (1 MiB always): a small body that inflates past that is not stored', () => {
    const spaces = gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20));
    expect(spaces.length * 200).toBeLessThan(1024 * 1024);
    expect(maskBody(body(spaces, 'text/plain'), ['Content-Encoding', 'gzip'])).toBeNull();
    // Real text compresses far less: 3 MiB of JSON rows is kept.
    const rows = JSON.stringify(Array.from({ length: 40_000 }, (_, i) => ({ id: i, name: `row ${i}`, token: i === 7 ? JWT : null })));
    const masked = maskBody(body(gzipSync(rows)), ['Content-Encoding', 'gzip']);
    expect(gunzipSync(masked!).toString()).toBe(rows.replace(JWT, '[masked-jwt]'));
  });

  it('masks through a bounded queue: a burst beyond it is not stored (sizes kept), never held in memory or leaked', async () => {
    const text = `{"token":"${JWT}","pad":"${randomBytes(2 * 1024 * 1024).toString('base64')}"}`;
    const wire = gzipSync(text);
    const burst = await Promise.all(Array.from({ length: 40 }, () => maskedBodyAsync(body(wire), ['Content-Encoding', 'gzip'])));
    const kept = burst.filter((b) => b.bytes !== null);
    // 64 MiB may wait: about 30 of these 2 MiB bodies, plus the two running.
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.length).toBeLessThan(40);
    for (const b of burst) expect(b.size).toBe(wire.length);
    for (const b of kept) expect(gunzipSync(b.bytes!).toString()).toBe(text.replace(JWT, '[masked-jwt]'));
    // Once the burst is through, there is room again.
    expect((await maskedBodyAsync(body(wire), ['Content-Encoding', 'gzip'])).bytes).not.toBeNull();
  });

  const json = `{"user":"ada","token":"${JWT}","pad":"${'x'.repeat(4000)}"}`;
  const codings: [string, (b: Buffer) => Buffer, (b: Buffer) => Buffer][] = [
    ['gzip', gzipSync, gunzipSync],
    ['deflate', deflateSync, inflateSync],
    ['br', brotliCompressSync, brotliDecompressSync],
  ];
  it.each(codings)('masks a JWT inside a %s body and stores it in the same coding (sync and off the event loop)', async (name, encode, decode) => {
    const wire = encode(Buffer.from(json));
    const headers = ['Content-Type', 'application/json', 'Content-Encoding', name.toUpperCase()];
    for (const masked of [maskBody(body(wire), headers), await maskBodyAsync(body(wire), headers)]) {
      expect(masked).not.toBe(wire);
      expect(decode(Buffer.from(masked!)).toString()).toBe(json.replace(JWT, '[masked-jwt]'));
    }
    const plain = encode(Buffer.from('{"ok":true}'));
    expect(await maskBodyAsync(body(plain), headers)).toBe(plain);
  });

  it('applies stacked codings in order (one header line or several), and raw deflate as servers send it', () => {
    const twice = brotliCompressSync(gzipSync(json));
    for (const headers of [['Content-Encoding', 'gzip, br'], ['content-encoding', 'gzip', 'content-encoding', 'identity, br']]) {
      const masked = maskBody(body(twice), headers)!;
      expect(gunzipSync(brotliDecompressSync(masked)).toString()).toContain('"token":"[masked-jwt]"');
    }
    const raw = deflateRawSync(json);
    expect(inflateSync(maskBody(body(raw), ['Content-Encoding', 'deflate'])!).toString()).toContain('[masked-jwt]');
  });

  it('masks a compressed body cut at the capture cap as far as it decodes', () => {
    const wire = gzipSync(Buffer.from(`{"token":"${JWT}","rest":"${randomBytes(20_000).toString('hex')}"}`));
    const cut = wire.subarray(0, Math.floor(wire.length / 2));
    const masked = maskBody(body(cut, 'application/json', true), ['Content-Encoding', 'gzip'])!;
    const decoded = gunzipSync(masked, { finishFlush: constants.Z_SYNC_FLUSH }).toString();
    expect(decoded.startsWith('{"token":"[masked-jwt]","rest":"')).toBe(true);
    expect(decoded).not.toContain(JWT);
  });

  it('masks a compressed body whose transfer ended early though it is not flagged as cut (an abort, a reset)', async () => {
    const wire = gzipSync(Buffer.from(`{"token":"${JWT}","rest":"${randomBytes(20_000).toString('hex')}"}`));
    const aborted = body(wire.subarray(0, Math.floor(wire.length / 2)));
    for (const masked of [maskBody(aborted, ['Content-Encoding', 'gzip']), await maskBodyAsync(aborted, ['Content-Encoding', 'gzip'])]) {
      const decoded = gunzipSync(masked!, { finishFlush: constants.Z_SYNC_FLUSH }).toString();
      expect(decoded.startsWith('{"token":"[masked-jwt]","rest":"')).toBe(true);
    }
  });

  it('does not keep a compressed body it cannot check (a bomb, an unknown or broken coding, too many), but scans mislabelled plain text', async () => {
    const wire = gzipSync(`{"t":"${JWT}"}`);
    const badCrc = Buffer.from(wire);
    badCrc[badCrc.length - 6] ^= 0xff;
    const cases: [string, Buffer, string][] = [
      ['a bomb', gzipSync(Buffer.alloc(MAX_DECODED + 1, 0x20)), 'gzip'],
      ['an unknown coding after a known one', wire, 'gzip, utf-8'],
      ['an unknown coding', wire, 'compress'],
      ['zstd that is not zstd', wire, 'zstd'],
      ['a broken checksum', badCrc, 'gzip'],
      ['trailing bytes', Buffer.concat([wire, Buffer.from('\r\n')]), 'gzip'],
      ['1000 stacked codings', wire, Array(1000).fill('deflate').join(', ')],
    ];
    for (const [what, bytes, coding] of cases) {
      expect(maskBody(body(bytes), ['Content-Encoding', coding]), what).toBeNull();
      expect(await maskBodyAsync(body(bytes), ['Content-Encoding', coding]), what).toBeNull();
    }
    const mislabelled = Buffer.from(`{"t":"${JWT}"}`);
    for (const coding of ['gzip', 'zstd']) {
      expect(Buffer.from(maskBody(body(mislabelled), ['Content-Encoding', coding])!).toString()).toBe('{"t":"[masked-jwt]"}');
      expect(Buffer.from((await maskBodyAsync(body(mislabelled), ['Content-Encoding', coding]))!).toString()).toBe('{"t":"[masked-jwt]"}');
    }
  });
});

describe.skipIf(!existsSync(ZSTD))('maskBody with zstd (the zstd CLI encodes and checks)', () => {
  const body = (bytes: Uint8Array, truncated = false): CapturedBody => ({ bytes, size: bytes.byteLength, truncated, contentType: 'application/json' });
  const zstd = (args: string[], input: Uint8Array) => execFileSync(ZSTD, ['-q', '-c', ...args], { input, stdio: ['pipe', 'pipe', 'pipe'] });
  const headers = ['Content-Type', 'application/json', 'Content-Encoding', 'zstd'];
  const json = `{"user":"ada","token":"${JWT}","rows":${JSON.stringify(Array.from({ length: 300 }, (_, i) => `row ${i}`))}}`;

  it('masks a JWT in a zstd body and stores a zstd frame of the masked text that the zstd tool reads (sync and async)', async () => {
    const wire = zstd(['-3'], Buffer.from(json));
    for (const masked of [maskedBody(body(wire), headers), await maskedBodyAsync(body(wire), headers)]) {
      expect(zstd(['-d'], masked.bytes!).toString()).toBe(json.replace(JWT, '[masked-jwt]'));
      expect(masked).toMatchObject({ size: wire.length, truncated: false });
    }
    const clean = zstd([], Buffer.from('{"ok":true}'));
    expect(await maskBodyAsync(body(clean), headers)).toBe(clean);
  });

  it('keeps at most the cap of masked text (zstd is stored uncompressed), flagged as truncated and left open', async () => {
    const wire = zstd(['-19'], Buffer.from(json + ' '.repeat(50_000)));
    for (const masked of [maskedBody(body(wire), headers, { cap: 2048 }), await maskedBodyAsync(body(wire), headers, { cap: 2048 })]) {
      expect(masked.truncated).toBe(true);
      expect(masked.bytes!.byteLength).toBeLessThan(2048 + 16);
      expect(() => zstd(['-d'], masked.bytes!)).toThrow();
      const readable = readableBody(masked, headers);
      expect(readable).toMatchObject({ cut: true, error: null });
      expect(Buffer.from(readable.body.bytes!).toString()).toBe(json.replace(JWT, '[masked-jwt]').slice(0, 2048));
    }
  });

  it('masks gzip inside zstd when the cut falls inside a raw zstd block (libzstd reads such a block as far as it goes)', async () => {
    const inner = gzipSync(`{"token":"${JWT}","rest":"${randomBytes(30_000).toString('hex')}"}`);
    const wire = zstdEncodeRaw(inner, false);
    const cut = body(wire.subarray(0, wire.byteLength >> 1), true);
    const stacked = ['Content-Type', 'application/json', 'Content-Encoding', 'gzip, zstd'];
    for (const masked of [maskedBody(cut, stacked), await maskedBodyAsync(cut, stacked)]) {
      const gz = zstdDecode(masked.bytes!, 16 << 20, true);
      const text = gunzipSync(gz, { finishFlush: constants.Z_SYNC_FLUSH }).toString();
      expect(text.startsWith('{"token":"[masked-jwt]"')).toBe(true);
    }
  });

  it('masks a zstd body cut at the capture cap as far as it decodes, and a JWT cut off at its end', () => {
    // zstd decodes whole blocks (up to 128 KiB of text each): the cut leaves the first ones.
    const wire = zstd(['-3', '--no-content-size'], Buffer.from(`{"token":"${JWT}","rest":"${randomBytes(150_000).toString('hex')}"}`));
    const masked = maskedBody(body(wire.subarray(0, wire.length >> 1), true), headers);
    expect(masked.truncated).toBe(true);
    const text = Buffer.from(readableBody(masked, headers).body.bytes!).toString();
    expect(text.startsWith('{"token":"[masked-jwt]","rest":"')).toBe(true);
    const endsInToken = zstd(['--no-content-size'], Buffer.from(`{"token":"${JWT.slice(0, 30)}`));
    expect(Buffer.from(readableBody(maskedBody(body(endsInToken), headers, { aborted: true }), headers).body.bytes!).toString()).toBe('{"token":"[masked-jwt]');
  });
});

describe('maskMessages', () => {
  it('masks JWTs in WebSocket messages (one cut at the cap too) and drops the bytes of a compressed one it could not decode', () => {
    const at = { time: 1, direction: 'client' as const, opcode: 'text' as const };
    const plain = { ...at, data: Buffer.from('hello'), size: 5, truncated: false };
    const out = maskMessages([
      plain,
      { ...at, data: Buffer.from(`{"token":"${JWT}"}`), size: 60, truncated: false },
      { ...at, data: Buffer.from(`{"token":"${JWT.slice(0, 30)}`), size: 900, truncated: true },
      { ...at, opcode: 'binary', data: Buffer.from([0x4a, 0x01, 0x02]), size: 40, truncated: false, compressed: true },
    ]);
    expect(out[0]).toBe(plain);
    expect(out.slice(1, 3).map((m) => Buffer.from(m.data).toString())).toEqual(['{"token":"[masked-jwt]"}', '{"token":"[masked-jwt]']);
    expect(out[3]).toMatchObject({ size: 40, compressed: true });
    expect(out[3].data.byteLength).toBe(0);
  });
});

