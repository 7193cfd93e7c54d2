import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { zstdDecode, zstdDecodeAsync, zstdEncodeRaw } from './zstd-coding.js';

/** fzstd decoders made on this thread (the sync path): the work a refusal must not start. */
const decoders = vi.hoisted(() => ({ made: 0 }));
vi.mock('fzstd', async (importOriginal) => {
  const fzstd = await importOriginal<typeof import('fzstd')>();
  class CountedDecompress extends fzstd.Decompress {
    constructor(...args: ConstructorParameters<typeof fzstd.Decompress>) {
      super(...args);
      decoders.made++;
    }
  }
  return { ...fzstd, Decompress: CountedDecompress };
});

/**
 * Whether `promise` settled before the event loop's next turn: a refusal made while walking the
 * headers does; one that had to wait for the decoder thread (a message back) cannot.
 */
const settlesAtOnce = (promise: Promise<unknown>): Promise<boolean> =>
  Promise.race([promise.then(() => true, () => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);

/** Debian's zstd (installed by .ci/run): the reference encoder and decoder. */
const ZSTD = '/usr/bin/zstd';
const zstd = (args: string[], input: Uint8Array) => execFileSync(ZSTD, ['-q', '-c', ...args], { input, maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'pipe'] });

const MiB = 1024 * 1024;
const json = Buffer.from(JSON.stringify(Array.from({ length: 30_000 }, (_, i) => ({ id: i, name: `item ${i}`, tag: randomBytes(4).toString('hex') }))));
const decodeBoth = async (bytes: Uint8Array, limit = 16 * MiB, partial = false) => {
  const sync = zstdDecode(bytes, limit, partial);
  const async = await zstdDecodeAsync(bytes, limit, partial);
  expect(async.equals(sync)).toBe(true);
  return sync;
};
const failBoth = async (bytes: Uint8Array, pattern: RegExp, limit = 16 * MiB) => {
  expect(() => zstdDecode(bytes, limit, false)).toThrow(pattern);
  await expect(zstdDecodeAsync(bytes, limit, false)).rejects.toThrow(pattern);
};

describe.skipIf(!existsSync(ZSTD))('zstd decoding (against the zstd CLI)', () => {
  it('decodes what the zstd tool writes: levels 1 to 19, with and without checksum and content size, several frames, a skippable frame', async () => {
    expect(json.byteLength).toBeGreaterThan(MiB);
    for (const args of [['-1'], ['-19'], ['--no-check'], ['-3', '--no-content-size']]) {
      expect((await decodeBoth(zstd(args, json))).equals(json), args.join(' ')).toBe(true);
    }
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3])]);
    const frames = Buffer.concat([skippable, zstd([], Buffer.from('first ')), zstd([], Buffer.from('second'))]);
    expect((await decodeBoth(frames)).toString()).toBe('first second');
  });

  it('decodes a stream cut anywhere as far as it goes when told it may be cut, and refuses it otherwise', async () => {
    const wire = zstd(['-3', '--no-content-size'], json);
    for (const at of [3, 10, 1000, wire.byteLength >> 1, wire.byteLength - 1]) {
      const cut = wire.subarray(0, at);
      const out = await decodeBoth(cut, 16 * MiB, true);
      expect(json.subarray(0, out.byteLength).equals(out), `cut at ${at}`).toBe(true);
      await failBoth(cut, /./);
    }
    expect((await decodeBoth(wire.subarray(0, wire.byteLength >> 1), 16 * MiB, true)).byteLength).toBeGreaterThan(json.byteLength / 4);
  });

  it('stops at the output limit (the code zlib uses), so a small bomb never expands far', async () => {
    const bomb = zstd(['-19'], Buffer.alloc(8 * MiB, 0x20));
    expect(bomb.byteLength).toBeLessThan(2000);
    for (const run of [() => zstdDecode(bomb, MiB, false), () => zstdDecodeAsync(bomb, MiB, false)]) {
      await expect(Promise.resolve().then(run)).rejects.toMatchObject({ code: 'ERR_BUFFER_TOO_LARGE' });
    }
  });

  it('refuses a window over the 8 MiB of RFC 9659 before allocating it', async () => {
    const wide = zstd(['--long=27'], Buffer.from('a small body with a 128 MiB window'));
    await failBoth(wide, /window of 134217728 bytes/);
  });

  it('decodes in a thread of its own, many at once, each to its own result', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => Buffer.from(`body ${i} `.repeat(5000 + i)));
    const out = await Promise.all(bodies.map((b) => zstdDecodeAsync(zstd([], b), 16 * MiB, false)));
    out.forEach((o, i) => expect(o.equals(bodies[i])).toBe(true));
  });

  it('writes raw-block frames that the zstd tool reads, across blocks, empty, and left open when cut', () => {
    for (const text of [json.subarray(0, 300 * 1024), Buffer.alloc(0), Buffer.from('x')]) {
      const frame = zstdEncodeRaw(text, false);
      expect(zstd(['-d'], frame).equals(text)).toBe(true);
      expect(zstdDecode(frame, 16 * MiB, false).equals(text)).toBe(true);
    }
    const open = zstdEncodeRaw(json.subarray(0, 300 * 1024), true);
    expect(() => zstd(['-d'], open)).toThrow();
    expect(() => zstdDecode(open, 16 * MiB, false)).toThrow();
    expect(zstdDecode(open, 16 * MiB, true).equals(json.subarray(0, 300 * 1024))).toBe(true);
  });
});

describe('zstd work and memory bounds (found by review)', () => {
  const frame8MiB = Buffer.from('28b52ffd00680b000041', 'hex'); // 8 MiB window, one 1-byte RLE block, last

  it('refuses, before decoding, more frames or blocks than MAX_WORK allows (fzstd zeroes and shifts a whole window for each)', async () => {
    // 300 tiny frames with 8 MiB windows held 2.5 GiB at once; 1 MiB of 4-byte blocks in one took 46 s.
    const manyFrames = Buffer.concat(Array(300).fill(frame8MiB));
    const blocks = Buffer.concat([Buffer.from('28b52ffd0068', 'hex'), ...Array(50_000).fill(Buffer.from('0a000041', 'hex')), Buffer.from('0b000041', 'hex')]);
    // Before decoding: no fzstd decoder is made on this thread, and the worker's decode is never
    // waited for (the refusal comes before the event loop turns). Counted, not timed.
    for (const bytes of [manyFrames, blocks]) {
      const made = decoders.made;
      expect(() => zstdDecode(bytes, 16 * MiB, false)).toThrow(expect.objectContaining({ code: 'ERR_BUFFER_TOO_LARGE' }));
      expect(decoders.made).toBe(made);
      const refused = zstdDecodeAsync(bytes, 16 * MiB, false);
      expect(await settlesAtOnce(refused)).toBe(true);
      await expect(refused).rejects.toMatchObject({ code: 'ERR_BUFFER_TOO_LARGE' });
    }
    // Within the allowance, frames decode one after the other, each with its own window.
    const made = decoders.made;
    expect((await decodeBoth(Buffer.concat(Array(40).fill(frame8MiB)))).toString()).toBe('A'.repeat(40));
    expect(decoders.made - made).toBe(40);
  });

  it('never lets fzstd read a cut frame header (it would take the missing bytes as zeros: a 2 GiB window)', async () => {
    const cutHeader = Buffer.from('28b52ffde0ffffff7e', 'hex');
    await failBoth(cutHeader, /ends early/);
    expect((await decodeBoth(cutHeader, 16 * MiB, true)).byteLength).toBe(0);
  });

  it("gives the bytes of a raw block cut short, as libzstd does, and leaves the caller's bytes untouched", async () => {
    const text = Buffer.from('0123456789'.repeat(20_000));
    const frame = zstdEncodeRaw(text, false);
    const cut = Buffer.from(frame.subarray(0, frame.byteLength - 1000));
    const before = Buffer.from(cut);
    const out = await decodeBoth(cut, 16 * MiB, true);
    expect(out.equals(text.subarray(0, out.byteLength))).toBe(true);
    expect(out.byteLength).toBe(text.byteLength - 1000);
    expect(cut.equals(before)).toBe(true);
  });
});

describe('zstd frame checks', () => {
  const header = (descriptor: number, ...rest: number[]) => Buffer.from([0x28, 0xb5, 0x2f, 0xfd, descriptor, ...rest]);

  it('refuses what is not a zstd frame, a reserved bit or block type, a dictionary, and an oversized block, with a reason', async () => {
    await failBoth(Buffer.from('plain text, not zstd'), /not a zstd frame/);
    await failBoth(header(0x08, 0x38, 0x01, 0, 0), /reserved bit/);
    await failBoth(header(0x00, 0x38, 0x07, 0, 0), /reserved block type/);
    await failBoth(header(0x01, 0x38, 0x05, 0x01, 0, 0), /needs a dictionary/);
    // A 1 KiB window (exponent 0) cannot hold a 2 KiB block.
    await failBoth(Buffer.concat([header(0x00, 0x00), Buffer.from([0x01 | (2048 << 3) & 0xff, (2048 << 3) >> 8, 0]), Buffer.alloc(2048)]), /block larger/);
    // A single-segment frame declaring 16 MiB of content declares a 16 MiB window.
    await failBoth(header(0xe0, 0, 0, 0, 1, 0, 0, 0, 0), /window of 16777216 bytes/);
  });
});
