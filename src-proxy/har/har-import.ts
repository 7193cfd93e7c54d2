/**
 * HAR 1.1/1.2 into capture records (source "import"), from Switchyard's own
 * exports (restored exactly from `_switchyard`) or from browsers and other
 * tools (fields derived, missing ones tolerated: absent sizes and timings,
 * -1 values, base64 content, HTTP/2 pseudo-headers, `_` fields). Every record
 * gets a new exchange id; bodies are capped and secrets masked like capture.
 */
import { performance } from 'node:perf_hooks';
import type { CapturedBody, CapturedExchange, PolicyDecision, WebSocketMessage } from '../capture/captured-exchange.js';
import { mediaType } from '../capture/body-collector.js';
import { maskBody, maskHeaders, maskMessages, maskUrl } from '../capture/mask-secrets.js';
import { SwitchyardError } from '../errors.js';
import type { TimingPhases } from '../events.js';
import { nextExchangeId } from '../pipeline/exchange.js';
import { hostName } from '../pipeline/steps/prepare-request.js';
import { DEFAULT_SECRET_HEADERS } from '../replay/capture-defaults.js';
import { firstHeader } from '../replay/raw-headers.js';
import { asWireBytes, cappedBody, decodeBody } from './har-bodies.js';
import { paramsBody, type HarParam } from './har-form-params.js';
import { hostFollowsUrl, pseudoAuthority, usableAuthority } from './har-hosts.js';
import { jsonErrorAt } from './json-error.js';

export interface HarImportOptions {
  /** Bytes kept per body, like capture's maxBodySize; default 1 MiB. */
  maxBodySize?: number;
  /** Masking as capture does it; default: masked, with the built-in secret headers. */
  mask?: { keepSecrets: boolean; secretHeaders: ReadonlySet<string>; secretQueryParams?: ReadonlySet<string> };
  /** Skip invalid entries (listed in warnings) instead of failing the whole import. */
  skipInvalid?: boolean;
}

export interface HarImportResult {
  exchanges: CapturedExchange[];
  /** Per exchange, the id it had in the Switchyard that exported it; null for other tools' HARs. */
  originalIds: (string | null)[];
  /** Entries skipped and other things worth telling. */
  warnings: string[];
  creator: { name: string; version: string } | null;
}

export class HarImportError extends SwitchyardError {
  /** Index into log.entries of the entry at fault, when it is one entry. */
  readonly entry: number | null;
  constructor(message: string, entry: number | null = null) {
    super('BAD_REQUEST', message);
    this.name = 'HarImportError';
    this.entry = entry;
  }
}


type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Thrown inside one entry's conversion; becomes "entry N is invalid: …". */
class EntryProblem extends Error {}
/** Thrown for entries that are fine but not importable (data: URLs and the like). */
class EntrySkipped extends Error {}

export function importHar(input: string | unknown, options: HarImportOptions = {}): HarImportResult {
  const steps = importSteps(input, options);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * As importHar, giving the event loop back every `sliceMs`: in `serve` the
 * gateway shares the thread, and converting a large browser HAR (base64
 * bodies decoded, capped and masked) would otherwise hold every request for
 * seconds. Parsing the JSON text is one step; converting is one per entry.
 */
export async function importHarInSlices(input: string | unknown, options: HarImportOptions = {}, sliceMs = 10): Promise<HarImportResult> {
  const steps = importSteps(input, options);
  const breather = () => new Promise((resolve) => setImmediate(resolve));
  // The caller has most likely just parsed the request that carried the HAR: its own slice first.
  await breather();
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await breather();
      sliceStart = performance.now();
    }
  }
}

/** The import, yielding after each entry. */
function* importSteps(input: string | unknown, options: HarImportOptions): Generator<void, HarImportResult> {
  let har: unknown = input;
  if (typeof input === 'string') {
    try {
      har = JSON.parse(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
    } catch (err) {
      const where = jsonErrorAt(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
      const detail = where === null ? (err as Error).message : `${where.problem} at line ${where.line}, column ${where.column} (offset ${where.offset})`;
      throw new HarImportError(`Not a HAR file: the input is not JSON (${detail}).`);
    }
  }
  if (!isObj(har) || !isObj(har.log)) throw new HarImportError('Not a HAR file: there is no "log" object at the top level.');
  const log = har.log;
  const version = log.version === undefined || log.version === '' ? '1.1' : log.version;
  if (version !== '1.1' && version !== '1.2') {
    throw new HarImportError(`Unsupported HAR version ${JSON.stringify(version)}: this importer reads HAR 1.1 and 1.2.`);
  }
  if (!Array.isArray(log.entries)) throw new HarImportError('Not a HAR file: log.entries is not a list.');
  const creator = isObj(log.creator) ? { name: str(log.creator.name) ?? '', version: str(log.creator.version) ?? '' } : null;

  const ctx = {
    cap: options.maxBodySize ?? 1024 * 1024,
    keepSecrets: options.mask?.keepSecrets ?? false,
    secretHeaders: options.mask?.secretHeaders ?? DEFAULT_SECRET_HEADERS,
    secretQueryParams: options.mask?.secretQueryParams ?? new Set<string>(),
  };
  const exchanges: CapturedExchange[] = [];
  const originalIds: (string | null)[] = [];
  const warnings: string[] = [];
  const entries: unknown[] = log.entries;
  for (let i = 0; i < entries.length; i++) {
    yield;
    try {
      const { record, originalId } = importEntry(entries[i], ctx);
      exchanges.push(record);
      originalIds.push(originalId);
    } catch (err) {
      if (err instanceof EntrySkipped) {
        warnings.push(`entry ${i + 1} (log.entries[${i}]) skipped: ${err.message}`);
        continue;
      }
      if (!(err instanceof EntryProblem)) throw err;
      const message = `HAR entry ${i + 1} (log.entries[${i}]) is invalid: ${err.message}`;
      if (!options.skipInvalid) throw new HarImportError(message, i);
      warnings.push(`${message}; skipped`);
    }
  }

  // A replay exported with its original points at the original's new id.
  const renamed = new Map<string, string>();
  originalIds.forEach((old, i) => old !== null && renamed.set(old, exchanges[i].id));
  for (const x of exchanges) if (x.replayOf !== null && renamed.has(x.replayOf)) x.replayOf = renamed.get(x.replayOf)!;
  return { exchanges, originalIds, warnings, creator };
}

interface Ctx {
  cap: number;
  keepSecrets: boolean;
  secretHeaders: ReadonlySet<string>;
  secretQueryParams: ReadonlySet<string>;
}

function importEntry(entry: unknown, ctx: Ctx): { record: CapturedExchange; originalId: string | null } {
  if (!isObj(entry)) throw new EntryProblem('it is not an object');
  const request = entry.request;
  if (!isObj(request)) throw new EntryProblem('it has no request object');
  const method = str(request.method);
  if (request.method === undefined) throw new EntryProblem('request.method is missing');
  if (!method || !TOKEN.test(method)) throw new EntryProblem(`request.method ${JSON.stringify(request.method)} is not an HTTP method`);
  const rawUrl = str(request.url);
  if (rawUrl === undefined) throw new EntryProblem('request.url is missing');
  const urlMatch = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/i.exec(rawUrl);
  const protocol = urlMatch?.[1].toLowerCase();
  if (!urlMatch || (protocol !== 'http' && protocol !== 'https' && protocol !== 'ws' && protocol !== 'wss')) {
    if (/^(data|blob|about|chrome|chrome-extension|moz-extension|file):/i.test(rawUrl)) throw new EntrySkipped(`${rawUrl.slice(0, rawUrl.indexOf(':'))}: URLs are not HTTP exchanges`);
    throw new EntryProblem(`request.url ${JSON.stringify(rawUrl.slice(0, 200))} is not an absolute http(s) URL`);
  }
  const startedText = str(entry.startedDateTime);
  const startedAt = startedText === undefined ? NaN : Date.parse(startedText);
  if (Number.isNaN(startedAt)) throw new EntryProblem(`startedDateTime ${JSON.stringify(entry.startedDateTime)} is not a date`);
  const response = isObj(entry.response) ? entry.response : null;
  const ours = isObj(entry._switchyard) && typeof entry._switchyard.id === 'string' ? (entry._switchyard as Obj) : null;

  const requestHeaders = headerPairs(request.headers, 'request.headers');
  // Credentials in the URL (user:pw@host) are not part of the host.
  const authority = checkedAuthority(urlMatch[2].slice(urlMatch[2].lastIndexOf('@') + 1), 'request.url');
  if (!requestHeaders.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'host')) {
    const pseudo = pseudoAuthority(request.headers);
    const host = pseudo === null ? authority : checkedAuthority(pseudo, 'the :authority header');
    if (host) requestHeaders.unshift('host', host);
  }
  const responseHeaders = response ? headerPairs(response.headers, 'response.headers') : [];
  const scheme = protocol === 'https' || protocol === 'wss' ? 'https' : 'http';
  const path = requestTarget(urlMatch[3] === '' ? '/' : urlMatch[3].startsWith('/') ? urlMatch[3] : '/' + urlMatch[3]);

  let reqBody = requestBody(request, requestHeaders, ctx.cap);
  let resBody = responseBody(response, responseHeaders, ctx.cap);
  if (ours === null) {
    // Other tools write decoded text; Switchyard's own entries carry the wire bytes (`_switchyard`).
    reqBody = asWireBytes(reqBody, requestHeaders, undefined);
    resBody = asWireBytes(resBody, responseHeaders, num(response?.bodySize));
  }
  const timings = harPhases(entry);
  const status = num(response?.status);
  if (status !== undefined && status > 999) throw new EntryProblem(`response.status ${status} is not an HTTP status`);
  const failure = str(response?._error) ?? str(response?._failureText) ?? str(entry._error);
  const id = nextExchangeId();

  const derived: CapturedExchange = {
    id,
    requestId: firstHeader(requestHeaders, 'x-request-id') ?? id,
    startedAt,
    duration: timings.total,
    timings,
    clientAddress: '',
    clientPort: 0,
    listener: '',
    scheme,
    httpVersion: version(str(request.httpVersion) ?? str(response?.httpVersion) ?? ''),
    method,
    host: hostName(firstHeader(requestHeaders, 'host') ?? authority),
    url: path,
    route: null,
    upstream: null,
    target: null,
    attempts: response ? 1 : 0,
    status: status !== undefined && status >= 0 ? Math.floor(status) : 0,
    requestHeaders,
    responseHeaders,
    requestBody: reqBody,
    responseBody: resBody,
    policies: [],
    error: failure ? { code: 'IMPORTED_FAILURE', message: failure } : response ? null : { code: 'NO_RESPONSE', message: 'The HAR entry has no response.' },
    aborted: false,
    websocket: browserWebSocket(entry._webSocketMessages),
    replayOf: null,
    source: 'import',
  };
  const record = ours ? restore(derived, ours, ctx.cap, rawUrl) : derived;
  if (!ctx.keepSecrets) {
    record.requestHeaders = maskHeaders(record.requestHeaders, ctx.secretHeaders);
    record.responseHeaders = maskHeaders(record.responseHeaders, ctx.secretHeaders);
    record.url = maskUrl(record.url, ctx.secretQueryParams);
    record.requestBody = maskBody(record.requestBody, record.requestHeaders, { cap: ctx.cap });
    record.responseBody = maskBody(record.responseBody, record.responseHeaders, { cap: ctx.cap });
    if (record.websocket !== null) record.websocket = maskMessages(record.websocket);
  }
  return { record, originalId: ours ? (ours.id as string) : null };
}

/** A Switchyard export: the fields HAR cannot hold come back from `_switchyard` (each only when well-formed). */
function restore(x: CapturedExchange, s: Obj, cap: number, harUrl: string): CapturedExchange {
  const exported = exportedUrl(s, x.requestHeaders);
  const urlEdited = exported !== harUrl;
  if (urlEdited && exported !== null) x = hostFollowsUrl(x, exported, harUrl);
  const strOrNull = (v: unknown, fallback: string | null) => (v === null || typeof v === 'string' ? v : fallback);
  const body = (b: CapturedBody, info: unknown): CapturedBody => {
    if (!isObj(info)) return b;
    // The wire bytes of a body whose HAR text was decoded at export (Content-Encoding undone).
    const wire = typeof info.encoded === 'string' ? entryBody(info.encoded, 'base64', cap, '_switchyard.responseBody.encoded') : null;
    if (wire !== null) b = { ...b, bytes: wire.bytes, size: wire.size, truncated: wire.size > wire.bytes.byteLength };
    const size = num(info.size);
    return {
      bytes: b.bytes,
      size: size !== undefined && size >= (b.bytes?.byteLength ?? 0) ? size : b.size,
      // The exported flag, unless this import cut the bytes at the cap itself: a body stored shorter than its
      // size is not cut when masking shortened it ("[masked-jwt]" is shorter than a JWT).
      truncated: typeof info.truncated === 'boolean' ? info.truncated || (b.truncated && (b.bytes?.byteLength ?? 0) >= cap) : b.truncated,
      contentType: strOrNull(info.contentType, b.contentType),
    };
  };
  const t = isObj(s.timings) ? s.timings : {};
  const timings: TimingPhases =
    num(t.queue) !== undefined && num(t.connect) !== undefined && num(t.ttfb) !== undefined && num(t.total) !== undefined
      ? { queue: t.queue as number, connect: t.connect as number, ttfb: t.ttfb as number, total: t.total as number }
      : x.timings;
  const tls = isObj(s.tls) ? { version: strOrNull(s.tls.version, null), sni: strOrNull(s.tls.sni, null), alpn: strOrNull(s.tls.alpn, null) } : null;
  const error = isObj(s.error) && typeof s.error.code === 'string' && typeof s.error.message === 'string' ? { code: s.error.code, message: s.error.message } : s.error === null ? null : x.error;
  return {
    ...x,
    requestId: str(s.requestId) ?? x.requestId,
    // Only a time a Date can hold (else every later export of it would throw).
    startedAt: Math.abs(num(s.startedAt) ?? Infinity) <= 8.64e15 ? (s.startedAt as number) : x.startedAt,
    duration: num(s.duration) ?? x.duration,
    timings,
    clientAddress: str(s.clientAddress) ?? x.clientAddress,
    clientPort: num(s.clientPort) ?? x.clientPort,
    listener: str(s.listener) ?? x.listener,
    // Only when request.url is still the one exported: an edited URL wins over the stored parts.
    ...(urlEdited ? {} : { scheme: str(s.scheme) ?? x.scheme, host: str(s.host) ?? x.host, url: str(s.url) ?? x.url }),
    httpVersion: str(s.httpVersion) ?? x.httpVersion,
    route: strOrNull(s.route, x.route),
    upstream: strOrNull(s.upstream, x.upstream),
    target: strOrNull(s.target, x.target),
    attempts: num(s.attempts) ?? x.attempts,
    requestBody: body(x.requestBody, s.requestBody),
    responseBody: body(x.responseBody, s.responseBody),
    policies: Array.isArray(s.policies) ? (s.policies.filter((p) => isObj(p) && typeof p.policy === 'string' && typeof p.outcome === 'string') as unknown as PolicyDecision[]) : x.policies,
    error,
    aborted: typeof s.aborted === 'boolean' ? s.aborted : x.aborted,
    websocket: Array.isArray(s.websocket) ? ourWebSocket(s.websocket) : s.websocket === null ? null : x.websocket,
    replayOf: strOrNull(s.replayOf, null),
    source: 'import',
    ...(tls !== null ? { tls } : {}),
    ...(s.intercepted === true ? { intercepted: true } : {}),
  };
}

/**
 * A HAR URL as a request target HTTP can carry: spaces and characters past
 * ASCII percent-encoded as UTF-8, as a browser sends them (`/straße?q=a b` →
 * `/stra%C3%9Fe?q=a%20b`). Tools write such URLs as people typed them; kept
 * raw, the exchange could never be replayed ("not a valid request target").
 */
function requestTarget(path: string): string {
  return path.replace(/[^\x21-\x7e]/gu, (c) => (c.length === 1 && c >= '\ud800' && c <= '\udfff' ? '%EF%BF%BD' : encodeURIComponent(c)));
}

function checkedAuthority(authority: string, where: string): string {
  if (!usableAuthority(authority)) throw new EntryProblem(`${where} has a host with a control character or space: ${JSON.stringify(authority.slice(0, 200))}`);
  return authority;
}

/** The request.url an export writes for these `_switchyard` fields (see absoluteUrl in har-export.ts). */
function exportedUrl(s: Obj, headers: string[]): string | null {
  const url = str(s.url);
  if (url === undefined) return null;
  if (/^https?:\/\//i.test(url)) return url;
  const authority = firstHeader(headers, 'host') ?? str(s.host) ?? '';
  return `${str(s.scheme) || 'http'}://${authority}${url.startsWith('/') ? url : '/' + url}`;
}

function headerPairs(list: unknown, where: string): string[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new EntryProblem(`${where} is not a list`);
  const out: string[] = [];
  for (const h of list) {
    if (!isObj(h) || typeof h.name !== 'string' || h.name === '') continue;
    // HTTP/2 and HTTP/3 pseudo-headers are not headers (":authority" becomes Host above).
    if (h.name.startsWith(':')) continue;
    const name = h.name;
    const value = h.value === undefined || h.value === null ? '' : typeof h.value === 'object' ? null : String(h.value);
    // What HTTP cannot carry would be stored as a header no replay can send (or one that splits the request).
    if (!TOKEN.test(name)) throw new EntryProblem(`${where} has a header named ${JSON.stringify(name.slice(0, 100))}, which is not a valid header name`);
    if (value === null) throw new EntryProblem(`${where}: the value of ${name} is not a string`);
    // Browsers join repeated headers (Set-Cookie above all) with newlines: each line is one header.
    for (const line of value.split(/\r?\n/)) {
      if (CONTROL.test(line)) throw new EntryProblem(`${where}: the value of ${name} holds a control character`);
      out.push(name, line);
    }
  }
  return out;
}

function version(v: string): string {
  const s = v.trim().toLowerCase();
  if (s === 'h2' || s === 'h2c' || /^http\/2(\.0)?$/.test(s)) return '2.0';
  if (s === 'h3' || s.startsWith('h3-') || /^http\/3(\.0)?$/.test(s)) return '3.0';
  const m = /^http\/(\d\.\d)$/.exec(s);
  return m ? m[1] : '1.1';
}

function entryBody(text: string, encoding: unknown, cap: number, where: string): { bytes: Uint8Array; size: number } {
  const decoded = decodeBody(text, encoding, cap);
  if ('problem' in decoded) throw new EntryProblem(`${where}: ${decoded.problem}`);
  return decoded;
}

function contentTypeOf(headers: string[], mimeType: unknown): string | null {
  const fromHeader = mediaType(firstHeader(headers, 'content-type'));
  if (fromHeader !== null) return fromHeader;
  const m = mediaType(str(mimeType));
  return m === 'x-unknown' ? null : m;
}

function requestBody(request: Obj, headers: string[], cap: number): CapturedBody {
  const post = isObj(request.postData) ? request.postData : null;
  const contentType = contentTypeOf(headers, post?.mimeType);
  let decoded: { bytes: Uint8Array; size: number } | null = null;
  if (post !== null) {
    if (typeof post.text === 'string') decoded = entryBody(post.text, post.encoding, cap, 'request.postData');
    else if (Array.isArray(post.params)) {
      const params = post.params.filter((p): p is HarParam => isObj(p) && typeof p.name === 'string');
      const body = paramsBody(params, firstHeader(headers, 'content-type') ?? str(post.mimeType));
      decoded = entryBody(body, undefined, cap, 'request.postData.params');
    }
  }
  // A body rebuilt from params is whole, whatever size the wire's had: it is not cut short.
  const size = post !== null && typeof post.text !== 'string' ? undefined : num(request.bodySize);
  return cappedBody(decoded, size !== undefined && size >= 0 ? size : undefined, contentType);
}

function responseBody(response: Obj | null, headers: string[], cap: number): CapturedBody {
  const content = response !== null && isObj(response.content) ? response.content : null;
  const contentType = contentTypeOf(headers, content?.mimeType);
  const decoded = content !== null && typeof content.text === 'string' ? entryBody(content.text, content.encoding, cap, 'response.content') : null;
  const size = num(content?.size);
  return cappedBody(decoded, size !== undefined && size >= 0 ? size : undefined, contentType);
}

/** HAR timings as our phases; -1 (not applicable) and other negatives count as 0. */
function harPhases(entry: Obj): TimingPhases {
  const t = isObj(entry.timings) ? entry.timings : {};
  const get = (k: string) => Math.max(0, num(t[k]) ?? 0);
  const queue = get('blocked');
  // ssl is part of connect in HAR 1.2.
  const connect = get('dns') + get('connect');
  const ttfb = get('send') + get('wait');
  const sum = queue + connect + ttfb + get('receive');
  const time = num(entry.time);
  return { queue, connect, ttfb, total: time !== undefined && time >= 0 ? time : sum };
}

function ourWebSocket(list: unknown[]): WebSocketMessage[] {
  const out: WebSocketMessage[] = [];
  for (const m of list) {
    if (!isObj(m) || typeof m.data !== 'string') continue;
    const direction = m.direction === 'upstream' ? 'upstream' : 'client';
    const opcode = ['text', 'binary', 'close', 'ping', 'pong'].includes(m.opcode as string) ? (m.opcode as WebSocketMessage['opcode']) : 'binary';
    const data = Buffer.from(m.data, 'base64');
    const msg: WebSocketMessage = { time: num(m.time) ?? 0, direction, opcode, data, size: num(m.size) ?? data.byteLength, truncated: m.truncated === true };
    if (typeof m.compressed === 'boolean') msg.compressed = m.compressed;
    if (typeof m.inflated === 'boolean') msg.inflated = m.inflated;
    out.push(msg);
  }
  return out;
}

/** Chrome's `_webSocketMessages`: { type: send | receive, time (seconds), opcode, data }. */
function browserWebSocket(list: unknown): WebSocketMessage[] | null {
  if (!Array.isArray(list)) return null;
  const opcodes: Record<number, WebSocketMessage['opcode']> = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };
  const out: WebSocketMessage[] = [];
  for (const m of list) {
    if (!isObj(m) || typeof m.data !== 'string') continue;
    const opcode = opcodes[num(m.opcode) ?? 1] ?? 'text';
    const data = opcode === 'text' ? Buffer.from(m.data, 'utf8') : Buffer.from(m.data, 'base64');
    out.push({ time: Math.round((num(m.time) ?? 0) * 1000), direction: m.type === 'send' ? 'client' : 'upstream', opcode, data, size: data.byteLength, truncated: false });
  }
  return out;
}
