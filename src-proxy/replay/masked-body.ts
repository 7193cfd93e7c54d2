/**
 * Whether a captured request body still carries a JWT that capture masked.
 * Capture masks a content-encoded body decoded and stores it encoded again
 * (so it matches its headers), so the mark is only visible once the codings
 * are undone: looking at the stored bytes alone resent "[masked-jwt]" inside
 * gzip as if it were the request.
 */
import type { CapturedBody } from '../capture/captured-exchange.js';
import { contentCodingsIn, decodeCodings, decodeCodingsAsync, MAX_DECODED, type DecodeResult } from '../capture/content-coding.js';

/** What capture writes over a JWT in a URL or a body. */
export const JWT_MARK = '[masked-jwt]';

const has = (bytes: Uint8Array): boolean => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(JWT_MARK);

/** Every layer a reader could see: the stored bytes, each stage in between, and the decoded text. */
function anyLayerMasked(bytes: Uint8Array, decoded: DecodeResult | null): boolean {
  if (has(bytes)) return true;
  return decoded !== null && decoded.ok && (has(decoded.bytes) || decoded.inner.some(has));
}

const decodeOptions = (body: CapturedBody) => ({ maxOutputLength: MAX_DECODED, partial: body.truncated });

/** On this thread; bounded by MAX_DECODED (the body was decoded within that bound when it was masked). */
export function bodyHasMaskedJwt(body: CapturedBody, headers: readonly string[]): boolean {
  if (body.bytes === null) return false;
  const codings = contentCodingsIn(headers);
  return anyLayerMasked(body.bytes, codings.length === 0 ? null : decodeCodings(body.bytes, codings, decodeOptions(body)));
}

/** bodyHasMaskedJwt off the event loop (zlib's thread pool), for the control API. */
export async function bodyHasMaskedJwtAsync(body: CapturedBody, headers: readonly string[]): Promise<boolean> {
  if (body.bytes === null) return false;
  const codings = contentCodingsIn(headers);
  return anyLayerMasked(body.bytes, codings.length === 0 ? null : await decodeCodingsAsync(body.bytes, codings, decodeOptions(body)));
}
