/**
 * Captured exchanges as a HAR 1.2 log. Everything HAR has a field for goes
 * there (absolute URL, headers, cookies, query, bodies as text or base64,
 * timings mapped from our phases); the rest rides in `_switchyard` so an
 * import restores the records exactly.
 */
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { CapturedBody, CapturedExchange } from '../capture/captured-exchange.js';
import { MAX_DECODED, contentCodingsIn, decodeCodings, decodeCodingsAsync, type DecodeResult } from '../capture/content-coding.js';
import { projectRoot } from '../project-root.js';
import { firstHeader, headerValues, requestAuthority } from '../replay/raw-headers.js';
import { encodeBody } from './har-bodies.js';
import { requestCookies, responseCookies } from './har-cookies.js';
import type { Har, HarContent, HarEntry, HarNameValue, HarPostData, HarTimings, SwitchyardEntryFields } from './har-types.js';

export interface HarExportOptions {
  /** log.creator.version; default: this package's version. */
  version?: string;
  comment?: string;
}

export function exportHar(exchanges: readonly CapturedExchange[], options: HarExportOptions = {}): Har {
  return {
    log: {
      version: '1.2',
      creator: { name: 'Switchyard', version: options.version ?? switchyardVersion() },
      entries: exchanges.map((x) => harEntry(x)),
      ...(options.comment !== undefined ? { comment: options.comment } : {}),
    },
  };
}

/** `decoded`: the response body decoded (decodedResponseAsync gives it off the event loop). */
export function harEntry(x: CapturedExchange, decoded = decodedResponse(x)): HarEntry {
  const timings = harTimings(x);
  const entry: HarEntry = {
    startedDateTime: new Date(x.startedAt).toISOString(),
    time: round(timings.blocked! + timings.connect! + timings.send + timings.wait + timings.receive),
    request: {
      method: x.method,
      url: absoluteUrl(x),
      httpVersion: harVersion(x.httpVersion),
      cookies: requestCookies(headerValues(x.requestHeaders, 'cookie')),
      headers: pairs(x.requestHeaders),
      queryString: queryString(x.url),
      ...(x.requestBody.size > 0 || x.requestBody.bytes !== null ? { postData: postData(x) } : {}),
      headersSize: -1,
      bodySize: x.requestBody.size,
    },
    response: {
      status: x.status,
      statusText: x.status === 0 ? '' : (STATUS_CODES[x.status] ?? ''),
      httpVersion: harVersion(x.httpVersion),
      cookies: responseCookies(headerValues(x.responseHeaders, 'set-cookie')),
      headers: pairs(x.responseHeaders),
      content: responseContent(x, decoded),
      redirectURL: firstHeader(x.responseHeaders, 'location') ?? '',
      headersSize: -1,
      bodySize: x.responseBody.size,
    },
    cache: {},
    timings,
  };
  const ip = serverIp(x.target);
  if (ip !== null) entry.serverIPAddress = ip;
  if (x.error) entry.comment = `${x.error.code}: ${x.error.message}`;
  entry._switchyard = switchyardFields(x, decoded !== null);
  return entry;
}

function switchyardFields(x: CapturedExchange, decodedInHar: boolean): SwitchyardEntryFields {
  const info = (b: CapturedBody) => ({ size: b.size, truncated: b.truncated, contentType: b.contentType });
  const wire = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  return {
    ...(x.tls !== undefined ? { tls: { ...x.tls } } : {}),
    ...(x.intercepted ? { intercepted: true } : {}),
    id: x.id,
    requestId: x.requestId,
    startedAt: x.startedAt,
    duration: x.duration,
    timings: { ...x.timings },
    clientAddress: x.clientAddress,
    clientPort: x.clientPort,
    listener: x.listener,
    scheme: x.scheme,
    httpVersion: x.httpVersion,
    host: x.host,
    url: x.url,
    route: x.route,
    upstream: x.upstream,
    target: x.target,
    attempts: x.attempts,
    requestBody: info(x.requestBody),
    // The HAR text holds the decoded body: the wire bytes come back from here.
    responseBody: !decodedInHar
      ? info(x.responseBody)
      : { ...info(x.responseBody), encoded: wire(x.responseBody.bytes!), ...(x.responseBody.truncated ? { decodedPrefix: true } : {}) },
    policies: x.policies.map((p) => ({ ...p })),
    error: x.error === null ? null : { ...x.error },
    aborted: x.aborted,
    websocket:
      x.websocket === null
        ? null
        : x.websocket.map((m) => ({
            time: m.time,
            direction: m.direction,
            opcode: m.opcode,
            data: Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('base64'),
            size: m.size,
            truncated: m.truncated,
            ...(m.compressed !== undefined ? { compressed: m.compressed } : {}),
            ...(m.inflated !== undefined ? { inflated: m.inflated } : {}),
          })),
    replayOf: x.replayOf,
    source: x.source,
  };
}

/** Our phases as HAR timings: queue → blocked, connect → connect, ttfb → wait, the rest of the total → receive. */
function harTimings(x: CapturedExchange): HarTimings {
  const t = x.timings;
  const blocked = nonNegative(t.queue);
  const connect = nonNegative(t.connect);
  const wait = nonNegative(t.ttfb);
  const receive = nonNegative(t.total - blocked - connect - wait);
  return { blocked: round(blocked), dns: -1, connect: round(connect), send: 0, wait: round(wait), receive: round(receive), ssl: -1 };
}

function absoluteUrl(x: CapturedExchange): string {
  if (/^https?:\/\//i.test(x.url)) return x.url;
  const authority = requestAuthority(x.requestHeaders, x.host);
  return `${x.scheme || 'http'}://${authority}${x.url.startsWith('/') ? x.url : '/' + x.url}`;
}

function harVersion(v: string): string {
  return /^http\//i.test(v) ? v.toUpperCase() : `HTTP/${v}`;
}

function pairs(raw: readonly string[]): HarNameValue[] {
  const out: HarNameValue[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push({ name: raw[i], value: raw[i + 1] });
  return out;
}

function queryString(url: string): HarNameValue[] {
  const q = url.indexOf('?');
  if (q === -1) return [];
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash === -1 ? undefined : hash);
  const out: HarNameValue[] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    out.push({ name: decode(eq === -1 ? part : part.slice(0, eq)), value: eq === -1 ? '' : decode(part.slice(eq + 1)) });
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}

function postData(x: CapturedExchange): HarPostData {
  const body = x.requestBody;
  const data: HarPostData = { mimeType: firstHeader(x.requestHeaders, 'content-type') ?? body.contentType ?? '' };
  if (body.bytes !== null) Object.assign(data, encodeBody(body.bytes, body.contentType));
  const note = truncationNote(body);
  if (note) data.comment = note;
  return data;
}

function responseContent(x: CapturedExchange, decoded: Buffer | null): HarContent {
  const body = x.responseBody;
  const c: HarContent = { size: body.size, mimeType: firstHeader(x.responseHeaders, 'content-type') ?? body.contentType ?? '' };
  if (decoded !== null && body.truncated) {
    // Only the start was kept: its decoded start, whole characters, so a viewer shows text; what
    // the coding saved is unknown. The size is what was decoded, the whole body's is unknown too.
    const text = wholeCharacters(decoded);
    Object.assign(c, encodeBody(text, body.contentType), { size: text.byteLength });
  } else if (decoded !== null) {
    // HAR wants the decoded content; size is its length and compression what the coding saved.
    Object.assign(c, encodeBody(decoded, body.contentType), { size: decoded.byteLength, compression: decoded.byteLength - body.size });
  } else if (body.bytes !== null) Object.assign(c, encodeBody(body.bytes, body.contentType));
  const note = truncationNote(body);
  if (note) c.comment = decoded !== null && body.truncated ? `${note}; the text is what they decode to` : note;
  return c;
}

/**
 * A content-encoded response body decoded: a complete one whole, one the capture cut as far as
 * its bytes go; null when there is nothing to decode or it does not decode.
 */
function decodedResponse(x: CapturedExchange): Buffer | null {
  const codings = toDecode(x);
  return codings === null ? null : usable(x, decodeCodings(x.responseBody.bytes!, codings, decodeOptions(x)));
}

/** decodedResponse off the event loop (the control API exports while the gateway serves). */
export async function decodedResponseAsync(x: CapturedExchange): Promise<Buffer | null> {
  const codings = toDecode(x);
  return codings === null ? null : usable(x, await decodeCodingsAsync(x.responseBody.bytes!, codings, decodeOptions(x)));
}

function toDecode(x: CapturedExchange): string[] | null {
  const codings = contentCodingsIn(x.responseHeaders);
  return x.responseBody.bytes === null || codings.length === 0 ? null : codings;
}

const decodeOptions = (x: CapturedExchange) => ({ maxOutputLength: MAX_DECODED, partial: x.responseBody.truncated });

// Bodies larger than MAX_DECODED decoded, an untruncated one that does not decode whole, and a cut
// one that decodes to nothing stay encoded in a HAR (base64 of the wire bytes).
const usable = (x: CapturedExchange, decoded: DecodeResult): Buffer | null =>
  decoded.ok && decoded.cut === x.responseBody.truncated && decoded.bytes.byteLength > 0 ? decoded.bytes : null;

/** Without the bytes of a UTF-8 character cut at the end (a decoded prefix ends anywhere), so it stays text. */
function wholeCharacters(bytes: Buffer): Buffer {
  let start = bytes.byteLength - 1;
  while (start >= 0 && start > bytes.byteLength - 4 && (bytes[start] & 0xc0) === 0x80) start--;
  if (start < 0) return bytes;
  const lead = bytes[start];
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return bytes.byteLength - start < need ? bytes.subarray(0, start) : bytes;
}

function truncationNote(body: CapturedBody): string | null {
  const kept = body.bytes?.byteLength ?? 0;
  if (body.truncated) return `truncated: capture kept the first ${kept} of ${body.size} bytes`;
  if (body.bytes === null && body.size > 0) return `body not stored: ${body.size} bytes`;
  return null;
}

function serverIp(target: string | null): string | null {
  if (target === null) return null;
  try {
    const host = new URL(target).hostname.replace(/^\[|\]$/g, '');
    return isIP(host) ? host : null;
  } catch {
    return null;
  }
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

let version: string | null = null;
function switchyardVersion(): string {
  if (version === null) {
    try {
      version = (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}
