/**
 * Content-Encoding (RFC 9110 §8.4) undone and redone. Capture keeps bodies
 * as they went over the wire; masking has to look inside a compressed text
 * body (and re-encode it, so the stored bytes still match the stored
 * Content-Encoding), and the viewer, diff, search and HAR export read it
 * decoded. The sender chooses the codings, so decoding is bounded: at most
 * MAX_CODINGS of them, each stage's output at most `maxOutputLength`. The
 * capture path uses the async variants (zlib's thread pool), never blocking
 * the event loop on a compression bomb.
 */
import { promisify } from 'node:util';
import zlib, { constants } from 'node:zlib';
import type { CapturedBody } from './captured-exchange.js';

/** How far a captured body is decoded to be masked, shown, compared or exported. */
export const MAX_DECODED = 16 * 1024 * 1024;
/** Real traffic stacks at most two (and rarely that); more is refused before any work. */
export const MAX_CODINGS = 2;

type Bytes = Uint8Array;
type Options = zlib.ZlibOptions & zlib.BrotliOptions;
interface Coding {
  decode(bytes: Bytes, opts: Options): Buffer;
  decodeAsync(bytes: Bytes, opts: Options): Promise<Buffer>;
  /** Options that let a stream whose end is missing decode as far as it goes. */
  partial: Options;
  /** `opts`: `partial` for a stream left open, as a cut one is. */
  encode(bytes: Bytes, opts: Options): Buffer;
  encodeAsync(bytes: Bytes, opts: Options): Promise<Buffer>;
}

const ZLIB_PARTIAL: Options = { finishFlush: constants.Z_SYNC_FLUSH };
/**
 * Output grows in chunks of this size. zlib's 16 KiB default makes a 16 MiB
 * decode a thousand round trips through the main thread (17 ms of it per
 * bomb, measured); 1 MiB makes it a handful (1 ms), and is faster for small bodies too.
 */
const CHUNK: Options = { chunkSize: 1024 * 1024 };
const gzipAsync = promisify(zlib.gzip) as (b: Bytes, o: Options) => Promise<Buffer>;
const gzip: Coding = {
  decode: (b, o) => zlib.gunzipSync(b, o),
  decodeAsync: promisify(zlib.gunzip) as (b: Bytes, o: Options) => Promise<Buffer>,
  partial: ZLIB_PARTIAL,
  encode: (b, o) => zlib.gzipSync(b, { ...CHUNK, ...o }),
  encodeAsync: (b, o) => gzipAsync(b, { ...CHUNK, ...o }),
};
const inflate = promisify(zlib.inflate) as (b: Bytes, o: Options) => Promise<Buffer>;
const deflateAsync = promisify(zlib.deflate) as (b: Bytes, o: Options) => Promise<Buffer>;
const inflateRaw = promisify(zlib.inflateRaw) as (b: Bytes, o: Options) => Promise<Buffer>;
const tooLarge = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
// Quality 11 (brotli's default) costs tens of ms per MiB; 5 is what servers use on the fly.
const BROTLI_ENCODE: zlib.BrotliOptions = { ...CHUNK, params: { [constants.BROTLI_PARAM_QUALITY]: 5 } };
const brotliCompress = promisify(zlib.brotliCompress) as (b: Bytes, o: zlib.BrotliOptions) => Promise<Buffer>;

const CODINGS = new Map<string, Coding>([
  ['gzip', gzip],
  ['x-gzip', gzip],
  [
    'deflate',
    {
      // "deflate" is zlib-wrapped by the spec, raw deflate in practice from some servers.
      decode: (b, o) => {
        try {
          return zlib.inflateSync(b, o);
        } catch (err) {
          if (tooLarge(err)) throw err;
          return zlib.inflateRawSync(b, o);
        }
      },
      decodeAsync: (b, o) => inflate(b, o).catch((err: unknown) => (tooLarge(err) ? Promise.reject(err) : inflateRaw(b, o))),
      partial: ZLIB_PARTIAL,
      encode: (b, o) => zlib.deflateSync(b, { ...CHUNK, ...o }),
      encodeAsync: (b, o) => deflateAsync(b, { ...CHUNK, ...o }),
    },
  ],
  [
    'br',
    {
      decode: (b, o) => zlib.brotliDecompressSync(b, o),
      decodeAsync: promisify(zlib.brotliDecompress) as (b: Bytes, o: Options) => Promise<Buffer>,
      partial: { finishFlush: constants.BROTLI_OPERATION_FLUSH },
      encode: (b, o) => zlib.brotliCompressSync(b, { ...BROTLI_ENCODE, ...o }),
      encodeAsync: (b, o) => brotliCompress(b, { ...BROTLI_ENCODE, ...o }),
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
  const base = { ...CHUNK, maxOutputLength: opts.maxOutputLength };
  if (opts.partial === true) return { bytes: c.decode(bytes, { ...base, ...c.partial }), cut: true };
  try {
    return { bytes: c.decode(bytes, base), cut: false };
  } catch (err) {
    if (tooLarge(err)) throw err;
    return { bytes: nonEmpty(c.decode(bytes, { ...base, ...c.partial }), err), cut: true };
  }
}

async function stageAsync(c: Coding, bytes: Bytes, opts: DecodeOptions): Promise<{ bytes: Buffer; cut: boolean }> {
  const base = { ...CHUNK, maxOutputLength: opts.maxOutputLength };
  if (opts.partial === true) return { bytes: await c.decodeAsync(bytes, { ...base, ...c.partial }), cut: true };
  try {
    return { bytes: await c.decodeAsync(bytes, base), cut: false };
  } catch (err) {
    if (tooLarge(err)) throw err;
    return { bytes: nonEmpty(await c.decodeAsync(bytes, { ...base, ...c.partial }), err), cut: true };
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
    const c = CODINGS.get(name)!;
    out = c.encode(out, cut ? c.partial : {});
  }
  return out;
}

/** encodeCodings off the event loop. */
export async function encodeCodingsAsync(bytes: Bytes, codings: readonly string[], cut = false): Promise<Buffer | null> {
  if (typeof plan(codings) === 'string') return null;
  let out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const name of codings) {
    const c = CODINGS.get(name)!;
    out = await c.encodeAsync(out, cut ? c.partial : {});
  }
  return out;
}

const WHY: Record<DecodeFailure, (codings: readonly string[]) => string> = {
  'too-many': (c) => `${c.length} stacked codings are more than the ${MAX_CODINGS} this reads`,
  unknown: (c) => `"${c.join(', ')}" cannot be decoded here (gzip, deflate and br can)`,
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
