import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FrameBoundaries, SplicedDirection, goingAwayFrame } from './websocket-go-away.js';

/** One frame as RFC 6455 §5.2 lays it out; `mask` makes it a client's. */
function frame(opcode: number, payload: Buffer, mask = false, fin = true): Buffer {
  const len = payload.length;
  const ext = len < 126 ? Buffer.alloc(0) : len < 65536 ? Buffer.alloc(2) : Buffer.alloc(8);
  if (len >= 126 && len < 65536) ext.writeUInt16BE(len);
  if (len >= 65536) ext.writeBigUInt64BE(BigInt(len));
  const head = Buffer.from([(fin ? 0x80 : 0) | opcode, (mask ? 0x80 : 0) | (len < 126 ? len : len < 65536 ? 126 : 127)]);
  if (!mask) return Buffer.concat([head, ext, payload]);
  const key = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([head, ext, key, Buffer.from(payload.map((b, i) => b ^ key[i % 4]))]);
}

const close = (code: number, masked = false) => {
  const p = Buffer.alloc(2);
  p.writeUInt16BE(code);
  return frame(8, p, masked);
};

describe('FrameBoundaries', () => {
  const frames = [
    frame(1, Buffer.from('hello')),
    frame(2, Buffer.alloc(300, 7), true), // 16-bit length, masked
    frame(1, Buffer.from('frag-'), false, false),
    frame(9, Buffer.alloc(0)), // a ping between fragments
    frame(0, Buffer.from('ment')),
    frame(2, Buffer.alloc(70_000, 1)), // 64-bit length
    close(1000),
  ];
  const stream = Buffer.concat(frames);
  /** Offsets just past each frame. */
  const ends = frames.map((_, i) => frames.slice(0, i + 1).reduce((n, f) => n + f.length, 0));

  it('finds every frame end, whatever the chunking', () => {
    for (const size of [1, 2, 3, 7, 13, 1000, stream.length]) {
      const f = new FrameBoundaries();
      const seen: number[] = [];
      for (let at = 0; at < stream.length; at += size) {
        const chunk = stream.subarray(at, at + size);
        // Stop at each boundary inside the chunk, as a going-away direction does.
        for (let off = 0; off < chunk.length; ) {
          const n = f.read(chunk.subarray(off), true);
          off += n;
          if (f.atBoundary && (seen.at(-1) ?? -1) !== at + off) seen.push(at + off);
          if (n === 0) off += f.read(chunk.subarray(off, off + 1));
        }
      }
      expect(seen).toEqual([0, ...ends]);
      expect(f.closes).toBe(1);
    }
  });

  it('stops at once between frames, and says how far the frame under way goes', () => {
    const f = new FrameBoundaries();
    expect(f.read(stream, true)).toBe(0);
    f.read(stream.subarray(0, 3)); // inside the first frame
    expect(f.atBoundary).toBe(false);
    expect(f.read(stream.subarray(3), true)).toBe(ends[0] - 3);
    expect(f.atBoundary).toBe(true);
  });
});

describe('goingAwayFrame', () => {
  it('is a Close with 1001, masked only toward the upstream', () => {
    for (const masked of [false, true]) {
      const bytes = goingAwayFrame(masked);
      const f = new FrameBoundaries();
      expect(f.read(bytes)).toBe(bytes.length);
      expect(f.atBoundary && f.closes === 1).toBe(true);
      expect((bytes[1] & 0x80) !== 0).toBe(masked);
      const payload = masked ? bytes.subarray(6).map((b, i) => b ^ bytes[2 + (i % 4)]) : bytes.subarray(2);
      expect(Buffer.from(payload).readUInt16BE(0)).toBe(1001);
    }
  });
});

describe('SplicedDirection', () => {
  function rig() {
    const from = new PassThrough();
    const to = new PassThrough();
    const out: Buffer[] = [];
    to.on('data', (c: Buffer) => out.push(c));
    const dir = new SplicedDirection(from, to, false);
    from.on('data', (c: Buffer) => dir.data(c));
    from.pipe(to);
    return { from, dir, out: () => Buffer.concat(out) };
  }
  const flush = () => new Promise((r) => setImmediate(r));

  it('finishes the frame under way, then sends its Close and drops the rest', async () => {
    const { from, dir, out } = rig();
    const big = frame(2, Buffer.alloc(1000, 5));
    from.write(big.subarray(0, 400));
    await flush();
    dir.goAway();
    expect(dir.closed).toBe(false);
    from.write(Buffer.concat([big.subarray(400), frame(1, Buffer.from('after'))]));
    await flush();
    expect(dir.closed).toBe(true);
    expect(out().equals(Buffer.concat([big, goingAwayFrame(false)]))).toBe(true);
  });

  it('sends no second Close when one already went this way', async () => {
    const { from, dir, out } = rig();
    from.write(close(1000));
    await flush();
    dir.goAway();
    await flush();
    expect(out().equals(close(1000))).toBe(true);
    expect(dir.closed).toBe(true);
  });
});
