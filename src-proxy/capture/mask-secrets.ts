/**
 * Masking of secrets before anything is stored or shown: credentials in
 * headers keep their shape (scheme, cookie names, Set-Cookie attributes) so
 * an exchange stays readable, and JWTs are masked wherever they appear in
 * header values, URLs and bodies of any type (compressed ones decoded first).
 */
import type { CapturedBody, WebSocketMessage } from './captured-exchange.js';
import { maskJwtBytes, maskJwts } from './mask-jwts.js';
import { WorkQueue } from './work-queue.js';
import { MAX_DECODED, contentCodingsIn, decodeCodings, decodeCodingsAsync, encodeCodings, encodeCodingsAsync, encodesUncompressed, type DecodeResult } from './content-coding.js';

export const MASK = '[masked]';

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
  // An empty value holds no secret; "[masked]" would make replay demand one that never existed.
  if (value.trim() === '') return value;
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
          if (eq !== -1) return `${part.slice(0, eq)}=${MASK}`;
          // A nameless cookie is sent as its value alone.
          return part.trim() === '' ? part : part.slice(0, part.length - part.trimStart().length) + MASK;
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

/** Media that is never text: compressed or not, it is scanned as it is, never decoded. */
const MEDIA = /^(?:image\/(?!svg\+xml)|audio\/|video\/|font\/)/;

/** What masking a body needs next: nothing (`done`: the body to store), or its decoded text looked at. */
type MaskStep = { done: CapturedBody } | { decode: string[] };

/** The codings to undo before a body can be scanned; null when it is scanned as it is. */
function codingsToUndo(body: CapturedBody, headers: readonly string[]): string[] | null {
  if (body.contentType !== null && MEDIA.test(body.contentType)) return null;
  const codings = contentCodingsIn(headers);
  return codings.length === 0 ? null : codings;
}

function maskStart(body: CapturedBody, headers: readonly string[], cut: boolean): MaskStep {
  if (body.bytes === null) return { done: body };
  // Any type is scanned: a JWT is secret in application/jwt, ndjson, multipart or an untyped body too.
  const codings = codingsToUndo(body, headers);
  return codings === null ? { done: maskRaw(body, cut) } : { decode: codings };
}

/**
 * maskBody for a body that needs no decoding (maskNeedsDecoding said so):
 * the capture path's common case, without looking at the headers again.
 */
export function maskPlainBody(body: CapturedBody, aborted: boolean): CapturedBody {
  return body.bytes === null ? body : maskRaw(body, body.truncated || aborted);
}

/** Masked text to encode again with the body's codings; `truncated`: the body's flag after that. */
interface Reencode {
  encode: Buffer;
  cut: boolean;
  truncated: boolean;
}

/** After decoding: the body to store, or masked text to encode again with the body's codings. */
function maskDecoded(body: CapturedBody, codings: readonly string[], decoded: DecodeResult, opts: Required<MaskOptions>): { done: CapturedBody } | Reencode {
  const raw = asBuffer(body.bytes!);
  const cut = body.truncated || opts.aborted;
  if (!decoded.ok) {
    // Mislabelled plain text (a HAR tool, a misconfigured server) is scanned as it is; anything
    // else (an unknown coding, too many, a bomb, garbage) cannot be checked, so it is not kept.
    return { done: looksLikeText(raw, body.truncated) ? maskRaw(body, cut) : { ...body, bytes: null } };
  }
  // An encoding that stores the text as it is (zstd here) keeps at most `cap` bytes of it, like the capture.
  const reencode = (text: Buffer): Reencode =>
    text.byteLength > opts.cap && encodesUncompressed(codings)
      ? { encode: text.subarray(0, opts.cap), cut: true, truncated: true }
      : { encode: text, cut: decoded.cut, truncated: body.truncated };
  const partial = decoded.cut || cut;
  const masked = maskJwtBytes(decoded.bytes, partial);
  if (masked !== decoded.bytes) return reencode(masked);
  // Decoders stop at the end of a complete stream: bytes after it (on the wire or inside a
  // stacked coding), or text that happens to decode as brotli, are never seen decoded.
  const layers = [raw, ...decoded.inner];
  if (layers.every((layer) => maskJwtBytes(layer, partial) === layer)) return { done: body };
  return looksLikeText(raw, body.truncated) ? { done: maskRaw(body, cut) } : reencode(decoded.bytes);
}

/** The Content-Encoding header's bytes decoded, at most 200 times as many (1 MiB always): a bomb costs little, real text fits. */
const decodeOptions = (body: CapturedBody) => ({
  maxOutputLength: Math.min(MAX_DECODED, Math.max(1024 * 1024, 200 * body.bytes!.byteLength)),
  partial: body.truncated,
});

export interface MaskOptions {
  /** The transfer ended early: a JWT cut off at the end is masked too (as in a truncated body). */
  aborted?: boolean;
  /** The capture's maxBodySize: what a body re-encoded without compression (zstd) may keep. */
  cap?: number;
}

const withDefaults = (opts: MaskOptions): Required<MaskOptions> => ({ aborted: opts.aborted ?? false, cap: opts.cap ?? MAX_DECODED });

/**
 * `body` (`headers`: the raw headers it came with) with every JWT masked;
 * the same object when there was none. A body with a Content-Encoding is
 * looked at decoded (a cut one as far as it goes) and, when it held a JWT,
 * stored masked and encoded again with the same codings, so it still matches
 * its headers. One that cannot be decoded (an unknown coding, not what its
 * header says, or decoding to more than decodeOptions allows) is kept only
 * when it is plain text; otherwise its bytes are dropped: "not stored", its
 * size still recorded.
 */
export function maskBody(body: CapturedBody, headers: readonly string[], options: MaskOptions = {}): CapturedBody {
  const opts = withDefaults(options);
  const start = maskStart(body, headers, body.truncated || opts.aborted);
  if ('done' in start) return start.done;
  const next = maskDecoded(body, start.decode, decodeCodings(body.bytes!, start.decode, decodeOptions(body)), opts);
  // A cut stream is encoded again left open, so readers still see where it ended.
  return 'done' in next ? next.done : { ...body, truncated: next.truncated, bytes: encodeCodings(next.encode, start.decode, next.cut) };
}

/** Whether maskBody would have to decode (the capture path then masks off the event loop). */
export function maskNeedsDecoding(body: CapturedBody, headers: readonly string[]): boolean {
  return body.bytes !== null && codingsToUndo(body, headers) !== null;
}

/** Two decodes at a time (the pool has four threads), up to 64 MiB of bodies waiting for one. */
const decodeQueue = new WorkQueue(2, 64 * 1024 * 1024);

/**
 * maskBody with its decoding and encoding off the event loop (zlib's thread
 * pool, zstd's thread), through a bounded queue: when the queue is full the
 * body is not stored (its size is).
 */
export async function maskBodyAsync(body: CapturedBody, headers: readonly string[], options: MaskOptions = {}): Promise<CapturedBody> {
  const opts = withDefaults(options);
  const start = maskStart(body, headers, body.truncated || opts.aborted);
  if ('done' in start) return start.done;
  // Each counts as at least 64 KiB, so at most a thousand or so small ones wait.
  const out = await decodeQueue.run(Math.max(body.bytes!.byteLength, 64 * 1024), async () => {
    const next = maskDecoded(body, start.decode, await decodeCodingsAsync(body.bytes!, start.decode, decodeOptions(body)), opts);
    return 'done' in next ? next.done : { ...body, truncated: next.truncated, bytes: await encodeCodingsAsync(next.encode, start.decode, next.cut) };
  });
  return out === 'full' ? { ...body, bytes: null } : out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Valid UTF-8 without NULs (a character cut at the capture cap allowed): never the output of a compressor. */
export function looksLikeText(bytes: Uint8Array, truncated: boolean): boolean {
  const whole = truncated ? bytes.subarray(0, Math.max(0, bytes.byteLength - 3)) : bytes;
  if (whole.includes(0)) return false;
  try {
    utf8.decode(whole);
    return true;
  } catch {
    return false;
  }
}

const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/** The body's bytes scanned as they are. */
function maskRaw(body: CapturedBody, cut: boolean): CapturedBody {
  const raw = asBuffer(body.bytes!);
  const masked = maskJwtBytes(raw, cut);
  return masked === raw ? body : { ...body, bytes: masked };
}

const NOTHING = new Uint8Array(0);

/**
 * WebSocket messages with every JWT masked (a cut-off one at the end of a
 * truncated message too). A compressed one that could not be decoded cannot
 * be checked, so its bytes are dropped (its size is kept).
 */
export function maskMessages(messages: readonly WebSocketMessage[]): WebSocketMessage[] {
  return messages.map((m) => {
    if (m.compressed === true) return { ...m, data: NOTHING };
    const data = asBuffer(m.data);
    const masked = maskJwtBytes(data, m.truncated);
    return masked === data ? m : { ...m, data: masked };
  });
}
