/**
 * Masking of secrets before anything is stored or shown: credentials in
 * headers keep their shape (scheme, cookie names, Set-Cookie attributes) so
 * an exchange stays readable, and JWTs are masked wherever they appear in
 * header values, URLs and text bodies (compressed ones too).
 */
import type { CapturedBody } from './captured-exchange.js';
import { MAX_DECODED, contentCodingsIn, decodeCodings, decodeCodingsAsync, encodeCodings, encodeCodingsAsync, type DecodeResult } from './content-coding.js';

export const MASK = '[masked]';
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const JWT_MARK = Buffer.from('eyJ');

export function maskJwts(text: string): string {
  return text.includes('eyJ') ? text.replace(JWT, '[masked-jwt]') : text;
}

/** Masks the values of the named query parameters (API keys, tokens) and any JWT in a request target. */
export function maskUrl(url: string, secretParams: ReadonlySet<string>): string {
  const q = url.indexOf('?');
  if (q === -1 || secretParams.size === 0) return maskJwts(url);
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: compare as written
      }
      return eq !== -1 && secretParams.has(decoded) ? `${name}=${MASK}` : pair;
    })
    .join('&');
  return maskJwts(url.slice(0, q + 1) + query);
}

function maskValue(name: string, value: string): string {
  switch (name) {
    case 'authorization':
    case 'proxy-authorization': {
      const space = value.indexOf(' ');
      return space === -1 ? MASK : `${value.slice(0, space)} ${MASK}`;
    }
    case 'cookie':
      return value
        .split(';')
        .map((part) => {
          const eq = part.indexOf('=');
          return eq === -1 ? part : `${part.slice(0, eq)}=${MASK}`;
        })
        .join(';');
    case 'set-cookie': {
      const eq = value.indexOf('=');
      const semi = value.indexOf(';');
      if (eq === -1 || (semi !== -1 && semi < eq)) return MASK;
      return `${value.slice(0, eq)}=${MASK}${semi === -1 ? '' : value.slice(semi)}`;
    }
    default:
      return MASK;
  }
}

/** Returns `raw` itself when nothing needed masking (the common case), else a masked copy. */
export function maskHeaders(raw: readonly string[], secretNames: ReadonlySet<string>): string[] {
  let out: string[] | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    const masked = secretNames.has(name) ? maskValue(name, value) : maskJwts(value);
    if (masked !== value) {
      out ??= raw.slice();
      out[i + 1] = masked;
    }
  }
  return out ?? (raw as string[]);
}

const TEXTUAL = /^(text\/|application\/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|javascript|x-www-form-urlencoded|graphql))/;

export function isTextual(contentType: string | null): boolean {
  return contentType !== null && TEXTUAL.test(contentType);
}

/** What masking a body needs next: nothing (`done`: the bytes to store), or its decoded text looked at. */
type MaskStep = { done: Uint8Array | null } | { decode: string[] };

function maskStart(body: CapturedBody, headers: readonly string[]): MaskStep {
  const { bytes } = body;
  if (bytes === null || !isTextual(body.contentType)) return { done: bytes };
  const codings = contentCodingsIn(headers);
  if (codings.length === 0) return { done: maskText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes) };
  return { decode: codings };
}

/** After decoding: the bytes to store, or masked text to encode again with the body's codings. */
function maskDecoded(body: CapturedBody, decoded: DecodeResult): { done: Uint8Array | null } | { encode: Uint8Array } {
  const bytes = body.bytes!;
  if (decoded.ok) {
    const masked = maskText(decoded.bytes);
    return masked === decoded.bytes ? { done: bytes } : { encode: masked };
  }
  // Mislabelled plain text (a HAR tool, a misconfigured server) is scanned as it is; anything
  // else (an unknown coding such as zstd, too many, a bomb, garbage) cannot be checked, so it is not kept.
  return looksLikeText(bytes, body.truncated) ? { done: maskText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes) } : { done: null };
}

const decodeOptions = (body: CapturedBody) => ({ maxOutputLength: MAX_DECODED, partial: body.truncated });

/**
 * Masks JWTs in a captured text body (`headers`: the raw headers it came
 * with); binary bodies and bodies without a JWT are returned as they are. A
 * body with a Content-Encoding is looked at decoded (a cut one as far as it
 * goes) and, when it held a JWT, stored masked and encoded again with the
 * same codings, so it still matches its headers. One that cannot be decoded
 * (more than MAX_DECODED, an unknown coding, not what its header says) is
 * kept only when it is plain text; otherwise null: "not stored", its size
 * still recorded.
 */
export function maskBody(body: CapturedBody, headers: readonly string[]): Uint8Array | null {
  const start = maskStart(body, headers);
  if ('done' in start) return start.done;
  const next = maskDecoded(body, decodeCodings(body.bytes!, start.decode, decodeOptions(body)));
  return 'done' in next ? next.done : encodeCodings(next.encode, start.decode);
}

/** Whether maskBody would have to decode (the capture path then masks off the event loop). */
export function maskNeedsDecoding(body: CapturedBody, headers: readonly string[]): boolean {
  return body.bytes !== null && isTextual(body.contentType) && contentCodingsIn(headers).length > 0;
}

/** maskBody with its decoding and encoding in zlib's thread pool. */
export async function maskBodyAsync(body: CapturedBody, headers: readonly string[]): Promise<Uint8Array | null> {
  const start = maskStart(body, headers);
  if ('done' in start) return start.done;
  const next = maskDecoded(body, await decodeCodingsAsync(body.bytes!, start.decode, decodeOptions(body)));
  return 'done' in next ? next.done : encodeCodingsAsync(next.encode, start.decode);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Valid UTF-8 without NULs (a character cut at the capture cap allowed): never the output of a compressor. */
function looksLikeText(bytes: Uint8Array, truncated: boolean): boolean {
  const whole = truncated ? bytes.subarray(0, Math.max(0, bytes.byteLength - 3)) : bytes;
  if (whole.includes(0)) return false;
  try {
    utf8.decode(whole);
    return true;
  } catch {
    return false;
  }
}

/** `bytes` with each JWT replaced, or `same` (default: `bytes`) when there was none. */
function maskText(bytes: Buffer, same: Uint8Array = bytes): Uint8Array {
  if (bytes.indexOf(JWT_MARK) === -1) return same;
  // Latin-1 maps each byte to one character and back, so every byte outside a JWT (invalid
  // UTF-8, a multi-byte character cut at the capture cap) stays exactly as it was.
  const text = bytes.toString('latin1');
  const masked = maskJwts(text);
  return masked === text ? same : Buffer.from(masked, 'latin1');
}
