/**
 * Content-Encoding undone for HAR export: HAR's `content.text` is the decoded
 * response ("decompressed & unchunked"), while capture keeps the bytes as they
 * went over the wire. Decoding is bounded so a compression bomb cannot blow up
 * an export.
 */
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

/** Decoded bodies larger than this stay encoded (base64 of the wire bytes). */
const MAX_DECODED = 64 * 1024 * 1024;

type Decoder = (bytes: Uint8Array) => Buffer;
const opts = { maxOutputLength: MAX_DECODED };
const DECODERS: Record<string, Decoder> = {
  gzip: (b) => gunzipSync(b, opts),
  'x-gzip': (b) => gunzipSync(b, opts),
  // "deflate" is zlib-wrapped by the spec, raw deflate in practice from some servers.
  deflate: (b) => {
    try {
      return inflateSync(b, opts);
    } catch {
      return inflateRawSync(b, opts);
    }
  },
  br: (b) => brotliDecompressSync(b, opts),
};

/**
 * The body with every coding in `contentEncoding` undone (last applied first),
 * or null when there is none, one is unknown, or the bytes do not decode.
 */
export function decodeContent(bytes: Uint8Array, contentEncoding: string | undefined): Buffer | null {
  if (contentEncoding === undefined) return null;
  const codings = contentEncoding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return null;
  let out: Uint8Array = bytes;
  try {
    for (const coding of codings.reverse()) {
      const decode = DECODERS[coding];
      if (decode === undefined) return null;
      out = decode(out);
    }
  } catch {
    return null;
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
