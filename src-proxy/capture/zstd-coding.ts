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

class ZstdFrameError extends Error {
  constructor(message: string) {
    super(`zstd: ${message}`);
  }
}

function tooLarge(limit: number): Error {
  // The code zlib uses for its maxOutputLength, so callers treat both alike.
  return Object.assign(new RangeError(`zstd: output exceeds ${limit} bytes`), { code: 'ERR_BUFFER_TOO_LARGE' });
}

function readLE(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + b[at + i];
  return v;
}

/**
 * Walks every frame and block header without decoding: throws on a malformed
 * header, a dictionary (HTTP has none to offer), or a window past MAX_WINDOW.
 * Stops quietly where the bytes end (a cut stream is the decoder's business).
 */
function checkFrames(b: Uint8Array): void {
  let at = 0;
  while (at + 4 <= b.length) {
    const magic = readLE(b, at, 4);
    if ((magic & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC) {
      if (at + 8 > b.length) return;
      at += 8 + readLE(b, at + 4, 4);
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new ZstdFrameError('not a zstd frame');
    if (at + 5 > b.length) return;
    const descriptor = b[at + 4];
    if (descriptor & 0x08) throw new ZstdFrameError('reserved bit set in a frame header');
    const singleSegment = (descriptor >> 5) & 1;
    const sizeFlag = descriptor >> 6;
    const dictBytes = [0, 1, 2, 4][descriptor & 3];
    const sizeBytes = sizeFlag === 0 ? singleSegment : 1 << sizeFlag;
    let p = at + 5;
    const headerEnd = p + (singleSegment ? 0 : 1) + dictBytes + sizeBytes;
    if (headerEnd > b.length) return;
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
    const maxBlock = Math.min(window, MAX_BLOCK);
    for (;;) {
      if (p + 3 > b.length) return;
      const header = readLE(b, p, 3);
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw new ZstdFrameError('reserved block type');
      if (size > maxBlock) throw new ZstdFrameError('a block larger than the frame allows');
      p += 3 + (type === 1 ? 1 : size);
      if (header & 1) break;
    }
    const checksum = (descriptor >> 2) & 1;
    at = p + 4 * checksum;
  }
}

/** A decoder that collects its output, throwing once it passes `limit`. */
function collector(limit: number): { decoder: Decompress; result(): Buffer } {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const decoder = new Decompress((chunk) => {
    total += chunk.byteLength;
    if (total > limit) throw tooLarge(limit);
    if (chunk.byteLength > 0) chunks.push(chunk);
  });
  return { decoder, result: () => Buffer.concat(chunks, total) };
}

/** `bytes` decoded, at most `limit` bytes of it; `partial`: the stream may end early (decode as far as it goes). */
export function zstdDecode(bytes: Uint8Array, limit: number, partial: boolean): Buffer {
  checkFrames(bytes);
  const out = collector(limit);
  out.decoder.push(bytes, !partial);
  return out.result();
}

/**
 * zstdDecode in a worker thread. fzstd decodes about 100 MB/s, so the 16 MiB
 * a small bomb may expand to would hold the event loop for 100-200 ms; the
 * frame headers are still checked here, before any bytes are copied.
 */
export function zstdDecodeAsync(bytes: Uint8Array, limit: number, partial: boolean): Promise<Buffer> {
  try {
    checkFrames(bytes);
  } catch (err) {
    return Promise.reject(err);
  }
  return decoderThread().decode(bytes, limit, partial);
}

/**
 * The worker's code, run with `eval` (CommonJS, so `require` works): it needs
 * only fzstd, so it loads the same from sources, from dist/ and from a bundle.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Decompress } = require(workerData.fzstd);
parentPort.on('message', ({ id, bytes, limit, partial }) => {
  const chunks = [];
  let total = 0;
  try {
    const decoder = new Decompress((chunk) => {
      total += chunk.byteLength;
      if (total > limit) throw Object.assign(new Error('too large'), { tooLarge: true });
      chunks.push(chunk);
    });
    decoder.push(new Uint8Array(bytes), !partial);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.byteLength; }
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

  constructor(onGone: () => void) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fzstd: createRequire(import.meta.url).resolve('fzstd') } });
    // Never what keeps the process alive; work still pending holds it through its promise's caller.
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (p === undefined) return;
      this.pending.delete(r.id);
      if (r.out !== undefined) p.resolve(Buffer.from(r.out));
      else p.reject(r.tooLarge === true ? tooLarge(p.limit) : new ZstdFrameError(r.error ?? 'decoding failed'));
      if (this.pending.size === 0) this.worker.unref();
    });
    const fail = (err: Error) => {
      onGone();
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`zstd decoder thread exited (${code})`)));
  }

  decode(bytes: Uint8Array, limit: number, partial: boolean): Promise<Buffer> {
    const id = this.nextId++;
    // A copy of its own to transfer: capture's bytes may share a pooled ArrayBuffer.
    const copy = new Uint8Array(bytes);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, limit });
      this.worker.ref();
      this.worker.postMessage({ id, bytes: copy.buffer, limit, partial }, [copy.buffer]);
    });
  }
}

let thread: DecoderThread | null = null;

/** Started on first use; started again if it ever died. */
function decoderThread(): DecoderThread {
  thread ??= new DecoderThread(() => {
    thread = null;
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
