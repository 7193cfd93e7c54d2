/**
 * Content-Encoding (RFC 9110 §8.4) undone and redone. Capture keeps bodies
 * as they went over the wire; HAR export wants them decoded, and masking has
 * to look inside a compressed text body (then re-encode it, so the stored
 * bytes still match the stored Content-Encoding). Decoding is bounded so a
 * compression bomb costs at most `maxOutputLength` bytes of work.
 */
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  deflateSync,
  gunzipSync,
  gzipSync,
  inflateRawSync,
  inflateSync,
  type BrotliOptions,
  type ZlibOptions,
} from 'node:zlib';
import type { CapturedBody } from './captured-exchange.js';

interface Coding {
  decode(bytes: Uint8Array, partial: boolean, maxOutputLength: number): Buffer;
  encode(bytes: Uint8Array): Buffer;
}

const zlibOptions = (partial: boolean, maxOutputLength: number): ZlibOptions => ({
  maxOutputLength,
  // A body cut at the capture cap still decodes as far as it goes.
  ...(partial ? { finishFlush: constants.Z_SYNC_FLUSH } : {}),
});

const gzip: Coding = { decode: (b, p, max) => gunzipSync(b, zlibOptions(p, max)), encode: (b) => gzipSync(b) };

const CODINGS: Record<string, Coding> = {
  gzip,
  'x-gzip': gzip,
  deflate: {
    // "deflate" is zlib-wrapped by the spec, raw deflate in practice from some servers.
    decode: (b, p, max) => {
      try {
        return inflateSync(b, zlibOptions(p, max));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw err;
        return inflateRawSync(b, zlibOptions(p, max));
      }
    },
    encode: (b) => deflateSync(b),
  },
  br: {
    decode: (b, p, max) => brotliDecompressSync(b, { maxOutputLength: max, ...(p ? { finishFlush: constants.BROTLI_OPERATION_FLUSH } : {}) } as BrotliOptions),
    // Quality 11 (the default) costs tens of ms per MiB; 5 is what servers use on the fly.
    encode: (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }),
  },
};

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

export type DecodeResult =
  | { ok: true; bytes: Buffer }
  /** `unknown`: a coding this build cannot undo; `corrupt`: the bytes are not what the coding says; `too-large`: more than maxOutputLength. */
  | { ok: false; reason: 'unknown' | 'corrupt' | 'too-large' };

/**
 * The body with every coding undone (last applied first). `partial` decodes
 * a body whose end is missing (a capture cut at its cap) as far as it goes.
 */
export function decodeCodings(bytes: Uint8Array, codings: readonly string[], opts: { maxOutputLength: number; partial?: boolean }): DecodeResult {
  let out: Uint8Array = bytes;
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = CODINGS[codings[i]];
    if (coding === undefined) return { ok: false, reason: 'unknown' };
    try {
      out = coding.decode(out, opts.partial === true, opts.maxOutputLength);
    } catch (err) {
      return { ok: false, reason: (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : 'corrupt' };
    }
  }
  return { ok: true, bytes: Buffer.from(out.buffer, out.byteOffset, out.byteLength) };
}

/** `bytes` with the codings applied in order (all of them known: they decoded). */
export function encodeCodings(bytes: Uint8Array, codings: readonly string[]): Buffer {
  let out: Uint8Array = bytes;
  for (const c of codings) out = CODINGS[c].encode(out);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** How far a captured body is decoded to be masked, shown or compared; beyond it, it cannot be. */
export const MAX_DECODED = 16 * 1024 * 1024;

const WHY: Record<'unknown' | 'corrupt' | 'too-large', (codings: readonly string[]) => string> = {
  unknown: (c) => `"${c.join(', ')}" cannot be decoded here (gzip, deflate and br can)`,
  corrupt: (c) => `the bytes are not valid ${c.join(', ')}`,
  'too-large': () => `it decodes to more than ${MAX_DECODED / (1024 * 1024)} MiB`,
};

/**
 * A captured body as a reader wants it: with its Content-Encoding undone
 * (`size` then the decoded size, unless the capture cut it), or as it was
 * with the reason it could not be decoded.
 */
export function readableBody(
  body: CapturedBody,
  headers: readonly string[],
): { body: CapturedBody; codings: string[]; error: string | null } {
  const codings = contentCodingsIn(headers);
  if (codings.length === 0 || body.bytes === null) return { body, codings: [], error: null };
  const decoded = decodeCodings(body.bytes, codings, { maxOutputLength: MAX_DECODED, partial: body.truncated });
  if (!decoded.ok) return { body, codings, error: WHY[decoded.reason](codings) };
  return { body: { ...body, bytes: decoded.bytes, size: body.truncated ? body.size : decoded.bytes.byteLength }, codings, error: null };
}
