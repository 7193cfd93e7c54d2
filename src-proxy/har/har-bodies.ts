/**
 * Body bytes to HAR text (UTF-8 text when it is text, base64 otherwise) and
 * back, and HAR content to the body capture would have stored.
 */
import type { CapturedBody } from '../capture/captured-exchange.js';
import { MAX_DECODED, contentCodingsIn, decodeCodings, encodeCodings } from '../capture/content-coding.js';
import { looksLikeText } from '../capture/mask-secrets.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BINARY_TYPES = /^(image|audio|video|font)\/|^application\/(octet-stream|zip|gzip|pdf|wasm|protobuf|x-protobuf|grpc)/;

/** C0 controls other than tab, LF and CR mark binary content even when it decodes. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return true;
  }
  return false;
}

export function encodeBody(bytes: Uint8Array, contentType: string | null): { text: string; encoding?: 'base64' } {
  if (contentType === null || !BINARY_TYPES.test(contentType)) {
    try {
      const text = utf8.decode(bytes);
      if (!hasControl(text)) return { text };
    } catch {
      // not UTF-8: base64 below
    }
  }
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), encoding: 'base64' };
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * HAR body text back to bytes, only the first `cap` of them kept (copied, so a
 * huge entry's decoded text is not held on to), with the true size. An
 * unknown encoding or text that is not base64 is a problem, never garbage bytes.
 */
export function decodeBody(text: string, encoding: unknown, cap: number): { bytes: Uint8Array; size: number } | { problem: string } {
  if (encoding === undefined || encoding === null || encoding === '') {
    const size = Buffer.byteLength(text, 'utf8');
    // One code unit past the cap: a surrogate pair cut there falls outside the kept bytes.
    const head = size > cap ? Buffer.from(text.slice(0, cap + 1), 'utf8').subarray(0, cap) : Buffer.from(text, 'utf8');
    return { bytes: Buffer.from(head), size };
  }
  if (typeof encoding !== 'string' || encoding.toLowerCase() !== 'base64') {
    return { problem: `encoding ${JSON.stringify(encoding)} is not supported (only base64)` };
  }
  const clean = text.replace(/\s+/g, '');
  if (!BASE64.test(clean) || clean.length % 4 === 1) return { problem: 'text is not valid base64' };
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  const size = Math.floor(((clean.length - padding) * 3) / 4);
  // Whole 4-character groups that hold at least `cap` bytes.
  const head = size > cap ? clean.slice(0, (Math.floor(cap / 3) + 1) * 4) : clean;
  return { bytes: Buffer.from(Buffer.from(head, 'base64').subarray(0, cap)), size };
}

/** Decoded content (already capped) and the size the HAR declares. */
export function cappedBody(decoded: { bytes: Uint8Array; size: number } | null, declaredSize: number | undefined, contentType: string | null): CapturedBody {
  // Sizes past what a file can hold are not sizes.
  const declared = declaredSize !== undefined && Number.isSafeInteger(Math.floor(declaredSize)) ? Math.floor(declaredSize) : undefined;
  if (decoded === null || decoded.size === 0) {
    const size = declared !== undefined && declared > 0 ? declared : 0;
    // A size with no content: the tool did not keep the body.
    return { bytes: null, size, truncated: size > 0, contentType };
  }
  const size = declared !== undefined && declared >= decoded.size ? declared : decoded.size;
  return { bytes: decoded.bytes, size, truncated: size > decoded.bytes.byteLength, contentType };
}

/**
 * HAR text is the decoded body while the headers keep the Content-Encoding
 * the wire had. Capture stores wire bytes (and history.get, export and diff
 * decode them), so the text is encoded again with those codings; bytes that
 * already decode (a tool that kept the wire bytes) stay as they are.
 * `wireSize`: the HAR's transferred body size, when it gives one.
 */
export function asWireBytes(body: CapturedBody, headers: string[], wireSize: number | undefined): CapturedBody {
  const codings = contentCodingsIn(headers);
  if (body.bytes === null || codings.length === 0) return body;
  // Only text that is not already in those codings; anything else (wire bytes, a bomb, an unknown
  // coding) stays as it is. Compressed bytes are never valid UTF-8 text, while text can happen to
  // decode (as a brotli stream, or with trailing bytes ignored): text is decoded text.
  if (!looksLikeText(body.bytes, body.truncated)) {
    const asIs = decodeCodings(body.bytes, codings, { maxOutputLength: MAX_DECODED, partial: body.truncated });
    if (asIs.ok || asIs.reason !== 'corrupt') return body;
  }
  // Text cut at the cap is encoded as a stream left open, as a cut capture would be.
  const bytes = encodeCodings(body.bytes, codings, body.truncated);
  if (bytes === null) return body;
  const size = wireSize !== undefined && wireSize > 0 ? wireSize : body.truncated ? body.size : bytes.byteLength;
  return { ...body, bytes, size };
}
