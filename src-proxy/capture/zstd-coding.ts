/**
 * The zstd content coding (RFC 8878, RFC 9659) without zlib's zstd, which
 * Node gained only in 22.15: Chrome offers zstd and many sites answer with it,
 * so a workbench that cannot read it shows those bodies as unreadable and
 * cannot check them for secrets. Decoding uses fzstd (pure JavaScript).
 * Encoding, needed only to store a body again after masking, writes the text
 * as raw (uncompressed) blocks: a valid zstd frame that every decoder reads,
 * but as large as the text, so callers bound it (see mask-secrets.ts).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { Decompress } from 'fzstd';

const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames: 0x184D2A50 to 0x184D2A5F, then a 4-byte length. */
const SKIPPABLE_MAGIC = 0x184d2a50;
/**
 * RFC 9659 §3: a zstd Content-Encoding uses a window of at most 8 MB, and
 * decoders may refuse larger ones. fzstd allocates whatever window a frame
 * declares (up to 2 GiB), so every frame header is checked before decoding.
 */
const MAX_WINDOW = 8 * 1024 * 1024;
const MAX_BLOCK = 128 * 1024;
/**
 * fzstd zeroes a window per frame and shifts the whole window after every
 * block, so its work grows with frames × window and blocks × window, not with
 * the output: 1 MiB of 4-byte blocks in 8 MiB windows took 46 s. A body may
 * cost this much (a few hundred ms at worst); 16 MiB of real text in 128 KiB
 * blocks and 8 MiB windows is 1 GiB. Each frame and block counts at least 64 KiB.
 */
const MAX_WORK = 2 * 1024 * 1024 * 1024;
const MIN_STEP_WORK = 64 * 1024;

class ZstdFrameError extends Error {
  constructor(message: string) {
    super(`zstd: ${message}`);
  }
}

function tooLarge(message: string): Error {
  // The code zlib uses for its maxOutputLength, so callers treat both alike.
  return Object.assign(new RangeError(`zstd: ${message}`), { code: 'ERR_BUFFER_TOO_LARGE' });
}

function readLE(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + b[at + i];
  return v;
}

/**
 * One frame to decode: `bytes[start, end)` (header included). A cut frame
 * ends after its last whole block (`lastBlock`: where that block's header is,
 * or null when there is none); `tail` is the part of a raw block that follows,
 * which libzstd gives as far as it goes.
 */
interface Frame {
  start: number;
  end: number;
  complete: boolean;
  lastBlock: number | null;
  tail: [number, number] | null;
}

/**
 * Walks every frame and block header without decoding: the frames to decode,
 * or an error for a malformed header, a dictionary (HTTP has none to offer),
 * a window past MAX_WINDOW, or more work than MAX_WORK. fzstd only ever sees
 * complete frame headers: one cut short would be read as zeros and padded.
 * `cut`: the bytes end inside a frame (or a header).
 */
function frameLayout(b: Uint8Array): { frames: Frame[]; cut: boolean } {
  const frames: Frame[] = [];
  let work = 0;
  const spend = (n: number) => {
    work += Math.max(n, MIN_STEP_WORK);
    if (work > MAX_WORK) throw tooLarge('too many frames or blocks to decode');
  };
  let at = 0;
  while (at < b.length) {
    if (at + 4 > b.length) return { frames, cut: true };
    const magic = readLE(b, at, 4);
    if ((magic & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC) {
      if (at + 8 > b.length) return { frames, cut: true };
      spend(0);
      at += 8 + readLE(b, at + 4, 4);
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new ZstdFrameError('not a zstd frame');
    if (at + 5 > b.length) return { frames, cut: true };
    const descriptor = b[at + 4];
    if (descriptor & 0x08) throw new ZstdFrameError('reserved bit set in a frame header');
    const singleSegment = (descriptor >> 5) & 1;
    const sizeFlag = descriptor >> 6;
    const dictBytes = [0, 1, 2, 4][descriptor & 3];
    const sizeBytes = sizeFlag === 0 ? singleSegment : 1 << sizeFlag;
    let p = at + 5;
    const headerEnd = p + (singleSegment ? 0 : 1) + dictBytes + sizeBytes;
    if (headerEnd > b.length) return { frames, cut: true };
    let window = 0;
    if (!singleSegment) {
      const base = 2 ** (10 + (b[p] >> 3));
      window = base + (base / 8) * (b[p] & 7);
      p++;
    }
    if (readLE(b, p, dictBytes) !== 0) throw new ZstdFrameError('the frame needs a dictionary');
    p += dictBytes;
    // With a single segment, the window is the content size (2-byte sizes are stored minus 256).
    if (singleSegment) window = readLE(b, p, sizeBytes) + (sizeBytes === 2 ? 256 : 0);
    p = headerEnd;
    if (window > MAX_WINDOW) throw new ZstdFrameError(`a window of ${window} bytes is more than the 8 MiB a Content-Encoding may use`);
    // A new window is allocated and zeroed: measured at about four times the cost of shifting one.
    spend(4 * window);
    const maxBlock = Math.min(window, MAX_BLOCK);
    const frame: Frame = { start: at, end: b.length, complete: false, lastBlock: null, tail: null };
    frames.push(frame);
    for (;;) {
      if (p + 3 > b.length) {
        frame.end = p;
        return { frames, cut: true };
      }
      const header = readLE(b, p, 3);
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw new ZstdFrameError('reserved block type');
      if (size > maxBlock) throw new ZstdFrameError('a block larger than the frame allows');
      spend(window);
      const next = p + 3 + (type === 1 ? 1 : size);
      if (next > b.length) {
        if (type === 0) frame.tail = [p + 3, b.length];
        frame.end = p;
        return { frames, cut: true };
      }
      frame.lastBlock = p;
      p = next;
      if (header & 1) break;
    }
    const checksum = (descriptor >> 2) & 1;
    if (p + 4 * checksum > b.length) {
      frame.end = p;
      return { frames, cut: true };
    }
    at = frame.end = p + 4 * checksum;
    frame.complete = true;
  }
  return { frames, cut: false };
}

/**
 * Decodes the frames of a layout, each with a decoder of its own (fzstd keeps
 * every earlier frame's window while it works through the rest), at most
 * `limit` bytes out. A cut frame is decoded whole as far as its last whole
 * block, marked last (and its checksum flag cleared) in a copy. Kept as source
 * text so the sync path and the worker thread run the very same code.
 */
const DECODE_FRAMES = `function decodeFrames(Decompress, src, frames, limit) {
  const chunks = [];
  let total = 0;
  const add = (chunk) => {
    total += chunk.byteLength;
    if (total > limit) throw Object.assign(new Error('output limit'), { tooLarge: true });
    chunks.push(chunk);
  };
  for (const f of frames) {
    if (f.complete) new Decompress(add).push(src.subarray(f.start, f.end), true);
    else if (f.lastBlock !== null) {
      // A copy: Buffer's slice() is a view, and the caller's bytes must stay as they are.
      const frame = new Uint8Array(f.end - f.start);
      frame.set(src.subarray(f.start, f.end));
      frame[4] &= ~4;
      frame[f.lastBlock - f.start] |= 1;
      new Decompress(add).push(frame, true);
    }
    if (f.tail !== null) add(src.subarray(f.tail[0], f.tail[1]));
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}`;

type DecodeFrames = (decompress: typeof Decompress, src: Uint8Array, frames: Frame[], limit: number) => Uint8Array;
const decodeFrames = new Function(`return ${DECODE_FRAMES}`)() as DecodeFrames;

/** The frames to decode; a cut stream is an error unless it may be `partial`. */
function layoutFor(bytes: Uint8Array, partial: boolean): Frame[] {
  const { frames, cut } = frameLayout(bytes);
  if (cut && !partial) throw new ZstdFrameError('the stream ends early');
  return frames;
}

const outputLimit = (limit: number) => tooLarge(`output exceeds ${limit} bytes`);

/** `bytes` decoded, at most `limit` bytes of it; `partial`: the stream may end early (decode as far as it goes). */
export function zstdDecode(bytes: Uint8Array, limit: number, partial: boolean): Buffer {
  const frames = layoutFor(bytes, partial);
  try {
    const out = decodeFrames(Decompress, bytes, frames, limit);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw (err as { tooLarge?: boolean }).tooLarge === true ? outputLimit(limit) : err;
  }
}

/**
 * zstdDecode in a worker thread. fzstd decodes about 100 MB/s, so the 16 MiB
 * a small bomb may expand to would hold the event loop for 100-200 ms; the
 * frame headers are still walked here, before any bytes are copied.
 */
export function zstdDecodeAsync(bytes: Uint8Array, limit: number, partial: boolean): Promise<Buffer> {
  let frames: Frame[];
  try {
    frames = layoutFor(bytes, partial);
  } catch (err) {
    return Promise.reject(err);
  }
  return decoderThread().decode(bytes, frames, limit);
}

/** The worker's code, run with `eval` (CommonJS, so `require` works): it needs only fzstd, so it loads the same from sources, dist/ and a bundle. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Decompress } = require(workerData.fzstd);
${DECODE_FRAMES}
parentPort.on('message', ({ id, bytes, frames, limit }) => {
  try {
    const out = decodeFrames(Decompress, new Uint8Array(bytes), frames, limit);
    parentPort.postMessage({ id, out: out.buffer }, [out.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message), tooLarge: err && err.tooLarge === true });
  }
});
`;

interface Reply {
  id: number;
  out?: ArrayBuffer;
  error?: string;
  tooLarge?: boolean;
}

class DecoderThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(b: Buffer): void; reject(e: Error): void; limit: number }>();
  private nextId = 0;
  private gone = false;

  constructor(onGone: (self: DecoderThread) => void) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fzstd: createRequire(import.meta.url).resolve('fzstd') } });
    // Never what keeps the process alive; work still pending holds it through its promise's caller.
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (p === undefined) return;
      this.pending.delete(r.id);
      if (r.out !== undefined) p.resolve(Buffer.from(r.out));
      else p.reject(r.tooLarge === true ? outputLimit(p.limit) : new ZstdFrameError(r.error ?? 'decoding failed'));
      if (this.pending.size === 0) this.worker.unref();
    });
    // 'error' is followed by 'exit': the first one fails what is pending, once.
    const fail = (err: Error) => {
      if (this.gone) return;
      this.gone = true;
      onGone(this);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`zstd decoder thread exited (${code})`)));
  }

  decode(bytes: Uint8Array, frames: Frame[], limit: number): Promise<Buffer> {
    const id = this.nextId++;
    // A copy of its own to transfer: capture's bytes may share a pooled ArrayBuffer.
    const copy = new Uint8Array(bytes);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, limit });
      this.worker.ref();
      this.worker.postMessage({ id, bytes: copy.buffer, frames, limit }, [copy.buffer]);
    });
  }
}

let thread: DecoderThread | null = null;

/** Started on first use; started again if it ever died. */
function decoderThread(): DecoderThread {
  thread ??= new DecoderThread((self) => {
    if (thread === self) thread = null;
  });
  return thread;
}

/**
 * `bytes` as one zstd frame of raw blocks. `cut`: no block is marked last, so
 * the frame is left open, as the stream it stands for ended early.
 */
export function zstdEncodeRaw(bytes: Uint8Array, cut: boolean): Buffer {
  const blocks = Math.max(1, Math.ceil(bytes.byteLength / MAX_BLOCK));
  const out = Buffer.allocUnsafe(6 + 3 * blocks + bytes.byteLength);
  out.writeUInt32LE(FRAME_MAGIC, 0);
  // No content size, no checksum, no dictionary; a 128 KiB window (exponent 7), a block's maximum.
  out[4] = 0;
  out[5] = 7 << 3;
  let p = 6;
  for (let i = 0; i < blocks; i++) {
    const block = bytes.subarray(i * MAX_BLOCK, (i + 1) * MAX_BLOCK);
    const last = !cut && i === blocks - 1 ? 1 : 0;
    // Raw block (type 0): bit 0 last, bits 1-2 type, bits 3-23 size.
    out.writeUIntLE(last | (block.byteLength << 3), p, 3);
    out.set(block, p + 3);
    p += 3 + block.byteLength;
  }
  return out;
}
