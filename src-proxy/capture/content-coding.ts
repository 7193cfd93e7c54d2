/**
 * Content-Encoding (RFC 9110 §8.4) undone and redone. Capture keeps bodies
 * as they went over the wire; masking has to look inside a compressed text
 * body (and re-encode it, so the stored bytes still match the stored
 * Content-Encoding), and the viewer, diff, search and HAR export read it
 * decoded. The sender chooses the codings, so decoding is bounded: at most
 * MAX_CODINGS of them, each stage's output at most `maxOutputLength`. The
 * capture path uses the async variants (zlib's thread pool; zstd's own thread), never blocking
 * the event loop on a compression bomb.
 */
import { promisify } from 'node:util';
import zlib, { constants } from 'node:zlib';
import type { CapturedBody } from './captured-exchange.js';
import { zstdDecode, zstdDecodeAsync, zstdEncodeRaw } from './zstd-coding.js';

/** How far a captured body is decoded to be masked, shown, compared or exported. */
export const MAX_DECODED = 16 * 1024 * 1024;
/** Real traffic stacks at most two (and rarely that); more is refused before any work. */
export const MAX_CODINGS = 2;

type Bytes = Uint8Array;
interface Coding {
  /** At most `limit` bytes out; `partial`: the stream may end early (a cut one), decode as far as it goes. */
  decode(bytes: Bytes, limit: number, partial: boolean): Buffer;
  decodeAsync(bytes: Bytes, limit: number, partial: boolean): Promise<Buffer>;
  /** `cut`: leave the stream open (flushed, not finished), as a cut one is. */
  encode(bytes: Bytes, cut: boolean): Buffer;
  encodeAsync(bytes: Bytes, cut: boolean): Promise<Buffer>;
  /** False for zstd here: its encoder writes the text as it is (zstd-coding.ts). */
  compresses: boolean;
}

type ZlibOptions = zlib.ZlibOptions & zlib.BrotliOptions;
type ZlibSync = (b: Bytes, o: ZlibOptions) => Buffer;
type ZlibAsync = (b: Bytes, o: ZlibOptions) => Promise<Buffer>;

/**
 * Output grows in chunks of this size. zlib's 16 KiB default makes a 16 MiB
 * decode a thousand round trips through the main thread (17 ms of it per
 * bomb, measured); 1 MiB makes it a handful (1 ms), and is faster for small bodies too.
 */
const CHUNK: ZlibOptions = { chunkSize: 1024 * 1024 };
const ZLIB_PARTIAL: ZlibOptions = { finishFlush: constants.Z_SYNC_FLUSH };
const tooLarge = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';

/** A zlib coding: its sync and async functions, the flush that leaves a stream open, and encoder options. */
function zlibCoding(decode: [ZlibSync, ZlibAsync], encode: [ZlibSync, ZlibAsync], partial: ZlibOptions, encodeOptions: ZlibOptions = CHUNK): Coding {
  const decodeOptions = (limit: number, cut: boolean) => ({ ...CHUNK, maxOutputLength: limit, ...(cut ? partial : {}) });
  const encodeOpts = (cut: boolean) => ({ ...encodeOptions, ...(cut ? partial : {}) });
  return {
    decode: (b, limit, cut) => decode[0](b, decodeOptions(limit, cut)),
    decodeAsync: (b, limit, cut) => decode[1](b, decodeOptions(limit, cut)),
    encode: (b, cut) => encode[0](b, encodeOpts(cut)),
    encodeAsync: (b, cut) => encode[1](b, encodeOpts(cut)),
    compresses: true,
  };
}

const both = (sync: ZlibSync, callback: (b: Bytes, o: ZlibOptions, cb: (err: Error | null, out: Buffer) => void) => void): [ZlibSync, ZlibAsync] => [sync, promisify(callback) as ZlibAsync];
const gzip = zlibCoding(both(zlib.gunzipSync, zlib.gunzip), both(zlib.gzipSync, zlib.gzip), ZLIB_PARTIAL);
const inflate = both(zlib.inflateSync, zlib.inflate);
const inflateRaw = both(zlib.inflateRawSync, zlib.inflateRaw);
// "deflate" is zlib-wrapped by the spec, raw deflate in practice from some servers.
const deflateOrRaw: [ZlibSync, ZlibAsync] = [
  (b, o) => {
    try {
      return inflate[0](b, o);
    } catch (err) {
      if (tooLarge(err)) throw err;
      return inflateRaw[0](b, o);
    }
  },
  (b, o) => inflate[1](b, o).catch((err: unknown) => (tooLarge(err) ? Promise.reject(err) : inflateRaw[1](b, o))),
];
// Quality 11 (brotli's default) costs tens of ms per MiB; 5 is what servers use on the fly.
const BROTLI_ENCODE: ZlibOptions = { ...CHUNK, params: { [constants.BROTLI_PARAM_QUALITY]: 5 } };

const CODINGS = new Map<string, Coding>([
  ['gzip', gzip],
  ['x-gzip', gzip],
  ['deflate', zlibCoding(deflateOrRaw, both(zlib.deflateSync, zlib.deflate), ZLIB_PARTIAL)],
  ['br', zlibCoding(both(zlib.brotliDecompressSync, zlib.brotliDecompress), both(zlib.brotliCompressSync, zlib.brotliCompress), { finishFlush: constants.BROTLI_OPERATION_FLUSH }, BROTLI_ENCODE)],
  [
    'zstd',
    {
      decode: zstdDecode,
      decodeAsync: zstdDecodeAsync,
      encode: zstdEncodeRaw,
      encodeAsync: (b, cut) => Promise.resolve(zstdEncodeRaw(b, cut)),
      compresses: false,
    },
  ],
]);

/** The codings of every Content-Encoding line in raw headers, in the order they were applied, without `identity`; [] for none. */
export function contentCodingsIn(rawHeaders: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].length !== 16 || rawHeaders[i].toLowerCase() !== 'content-encoding') continue;
    for (const c of rawHeaders[i + 1].split(',')) {
      const coding = c.trim().toLowerCase();
      if (coding !== '' && coding !== 'identity') out.push(coding);
    }
  }
  return out;
}

export type DecodeFailure = 'too-many' | 'unknown' | 'corrupt' | 'too-large';
export type DecodeResult =
  /**
   * `cut`: the stream ended early (a capture cut at its cap, an aborted transfer) and decoded as far as it went.
   * `inner`: with stacked codings, what each stage but the last gave (bytes nobody reads decoded, but that a reader could).
   */
  | { ok: true; bytes: Buffer; cut: boolean; inner: Buffer[] }
  | { ok: false; reason: DecodeFailure };

export interface DecodeOptions {
  maxOutputLength: number;
  /** The bytes are known to be cut (the capture's cap): decode as far as they go. */
  partial?: boolean;
}

/** Codings this build can undo, all of them, or why not; checked before any work. */
function plan(codings: readonly string[]): Coding[] | DecodeFailure {
  if (codings.length > MAX_CODINGS) return 'too-many';
  const steps: Coding[] = [];
  // Last applied, first undone.
  for (let i = codings.length - 1; i >= 0; i--) {
    const c = CODINGS.get(codings[i]);
    if (c === undefined) return 'unknown';
    steps.push(c);
  }
  return steps;
}

/**
 * One stage: a stream that does not decode whole is tried once more as a cut
 * one (an aborted transfer is not flagged as truncated, but its text must
 * still be found and masked).
 */
function stage(c: Coding, bytes: Bytes, opts: DecodeOptions): { bytes: Buffer; cut: boolean } {
  const limit = opts.maxOutputLength;
  if (opts.partial === true) return { bytes: c.decode(bytes, limit, true), cut: true };
  try {
    return { bytes: c.decode(bytes, limit, false), cut: false };
  } catch (err) {
    if (tooLarge(err)) throw err;
    return { bytes: nonEmpty(c.decode(bytes, limit, true), err), cut: true };
  }
}

async function stageAsync(c: Coding, bytes: Bytes, opts: DecodeOptions): Promise<{ bytes: Buffer; cut: boolean }> {
  const limit = opts.maxOutputLength;
  if (opts.partial === true) return { bytes: await c.decodeAsync(bytes, limit, true), cut: true };
  try {
    return { bytes: await c.decodeAsync(bytes, limit, false), cut: false };
  } catch (err) {
    if (tooLarge(err)) throw err;
    return { bytes: nonEmpty(await c.decodeAsync(bytes, limit, true), err), cut: true };
  }
}

/** A salvage that yields nothing was not a cut stream: the first error stands. */
function nonEmpty(out: Buffer, err: unknown): Buffer {
  if (out.byteLength === 0) throw err;
  return out;
}

const failure = (err: unknown): DecodeResult => ({ ok: false, reason: tooLarge(err) ? 'too-large' : 'corrupt' });

/** The decoding as a run of stages (last applied, first undone), driven by decodeCodings or decodeCodingsAsync. */
function* stages(bytes: Bytes, codings: readonly string[], opts: DecodeOptions): Generator<[Coding, Buffer, DecodeOptions], DecodeResult, { bytes: Buffer; cut: boolean }> {
  const steps = plan(codings);
  if (typeof steps === 'string') return { ok: false, reason: steps };
  let out = { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), cut: opts.partial === true };
  const inner: Buffer[] = [];
  for (const [i, c] of steps.entries()) {
    if (i > 0) inner.push(out.bytes);
    const next = yield [c, out.bytes, { ...opts, partial: out.cut }];
    out = { bytes: next.bytes, cut: out.cut || next.cut };
  }
  return { ok: true, ...out, inner };
}

/** The body with every coding undone. */
export function decodeCodings(bytes: Bytes, codings: readonly string[], opts: DecodeOptions): DecodeResult {
  const run = stages(bytes, codings, opts);
  try {
    let step = run.next();
    while (!step.done) step = run.next(stage(...step.value));
    return step.value;
  } catch (err) {
    return failure(err);
  }
}

/** decodeCodings off the event loop. */
export async function decodeCodingsAsync(bytes: Bytes, codings: readonly string[], opts: DecodeOptions): Promise<DecodeResult> {
  const run = stages(bytes, codings, opts);
  try {
    let step = run.next();
    while (!step.done) step = run.next(await stageAsync(...step.value));
    return step.value;
  } catch (err) {
    return failure(err);
  }
}

/**
 * `bytes` with the codings applied in order; null when one is not known here
 * (or there are too many). `cut`: the text is only the start of a body, so
 * each stream is left open (flushed, not finished), as the cut one was:
 * readers still see that it ended early.
 */
export function encodeCodings(bytes: Bytes, codings: readonly string[], cut = false): Buffer | null {
  if (typeof plan(codings) === 'string') return null;
  let out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const name of codings) {
    out = CODINGS.get(name)!.encode(out, cut);
  }
  return out;
}

/** Whether encodeCodings would give bytes as large as the text: the last coding applied does not compress (zstd here). */
export function encodesUncompressed(codings: readonly string[]): boolean {
  return codings.length > 0 && CODINGS.get(codings[codings.length - 1])?.compresses === false;
}

/** encodeCodings off the event loop. */
export async function encodeCodingsAsync(bytes: Bytes, codings: readonly string[], cut = false): Promise<Buffer | null> {
  if (typeof plan(codings) === 'string') return null;
  let out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const name of codings) {
    out = await CODINGS.get(name)!.encodeAsync(out, cut);
  }
  return out;
}

const WHY: Record<DecodeFailure, (codings: readonly string[]) => string> = {
  'too-many': (c) => `${c.length} stacked codings are more than the ${MAX_CODINGS} this reads`,
  unknown: (c) => `"${c.join(', ')}" cannot be decoded here (gzip, deflate, br and zstd can)`,
  corrupt: (c) => `the bytes are not valid ${c.join(', ')}`,
  'too-large': () => `it decodes to more than ${MAX_DECODED / (1024 * 1024)} MiB`,
};

/** A captured body as a reader wants it: decoded, or as it was with the reason it could not be. */
export interface ReadableBody {
  /** The decoded body (`size`: what it decoded to, at least, when `cut`), or the body as captured. */
  body: CapturedBody;
  /** The codings undone ([] when there were none). */
  codings: string[];
  /** The decoded text is only the start of the body: the capture cut it, or the transfer ended early. */
  cut: boolean;
  error: string | null;
}

export function readableBody(body: CapturedBody, headers: readonly string[]): ReadableBody {
  const codings = contentCodingsIn(headers);
  if (codings.length === 0 || body.bytes === null) return { body, codings: [], cut: false, error: null };
  return readable(body, codings, decodeCodings(body.bytes, codings, { maxOutputLength: MAX_DECODED, partial: body.truncated }));
}

/** readableBody off the event loop (for the control API: a reader may open a 16 MiB body while the gateway serves). */
export async function readableBodyAsync(body: CapturedBody, headers: readonly string[]): Promise<ReadableBody> {
  const codings = contentCodingsIn(headers);
  if (codings.length === 0 || body.bytes === null) return { body, codings: [], cut: false, error: null };
  return readable(body, codings, await decodeCodingsAsync(body.bytes, codings, { maxOutputLength: MAX_DECODED, partial: body.truncated }));
}

function readable(body: CapturedBody, codings: string[], decoded: DecodeResult): ReadableBody {
  if (!decoded.ok) return { body, codings, cut: false, error: WHY[decoded.reason](codings) };
  return { body: { ...body, bytes: decoded.bytes, size: decoded.bytes.byteLength, truncated: decoded.cut }, codings, cut: decoded.cut, error: null };
}
