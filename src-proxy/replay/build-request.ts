/**
 * The request a replay sends: the original's method, path, end-to-end headers
 * and body, with the user's edits applied. Refuses to resend what capture
 * could not keep: masked secrets (which would go out as the literal
 * "[masked]") and bodies cut at the capture cap or cut short in transit.
 */
import type { CapturedExchange } from '../capture/captured-exchange.js';
import { ReplayError, type MaskedFields } from './errors.js';
import { whyIncomplete } from './incomplete-body.js';
import { bodyHasMaskedJwt, JWT_MARK } from './masked-body.js';
import { headerValues, requestAuthority, resendableHeaders } from './raw-headers.js';

export interface HeaderEdits {
  /** Header names to remove (case-insensitive), applied first. */
  remove?: string[];
  /** Replace every header of this name (case-insensitive) with these values, in place of the first. */
  set?: Record<string, string | string[]>;
  /** Append these headers (repeats allowed), applied last. */
  add?: Record<string, string | string[]>;
}

export interface ReplayEdit {
  method?: string;
  /** Path and query, e.g. "/items?page=2". */
  url?: string;
  headers?: HeaderEdits;
  /** A new body; null sends none. Absent: the original's body. */
  body?: { text: string } | { base64: string } | null;
}

export interface ReplayRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** End-to-end headers as raw pairs, Host included; no hop-by-hop headers, no Content-Length. */
  headers: string[];
  body: Buffer | null;
  /** The edit set or added Host itself. */
  hostEdited: boolean;
  /** The edit set or added X-Request-Id itself. */
  requestIdEdited: boolean;
  /** Masked headers left out because `dropMasked` was asked for. */
  droppedMasked: string[];
}

/** Both masks capture writes into header values contain this: "[masked]" and "[masked-jwt]". */
const MASK_MARK = '[masked';
/** What capture writes over a secret query parameter's value (`maskUrl`). */
const MASKED_PARAM = /[?&][^&#=]*=\[masked\](?:[&#]|$)/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Control characters other than tab cannot be in a header value. */
const badValue = (v: string) => [...v].some((ch) => (ch < ' ' && ch !== '\t') || ch === '\u007f');
/** A request target is printable ASCII without spaces. */
const badTarget = (v: string) => [...v].some((ch) => ch <= ' ' || ch >= '\u007f');
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export interface BuildOptions {
  dropMasked?: boolean;
  /** Whether the original body holds a masked JWT, found off the event loop (bodyHasMaskedJwtAsync); absent, it is looked for here. */
  bodyMasked?: boolean;
}

export function buildReplayRequest(original: CapturedExchange, edit: ReplayEdit = {}, opts: BuildOptions = {}): ReplayRequest {
  // Upgrade is hop-by-hop and left out below: the handshake would go out as a plain GET carrying Sec-WebSocket-Key.
  if (original.websocket !== null || headerValues(original.requestHeaders, 'upgrade').some((v) => /websocket/i.test(v))) {
    throw new ReplayError(
      'NOT_REPLAYABLE',
      'This is a WebSocket connection; replay sends plain HTTP requests and cannot reopen it (its messages are in the exchange for reading).',
    );
  }
  const method = edit.method ?? original.method;
  if (!TOKEN.test(method)) throw new ReplayError('INVALID_EDIT', `"${method}" is not a valid HTTP method.`);
  // Node hands a CONNECT's answer to a 'connect' listener, never as a response: the replay waited out its
  // whole timeout (30 s) for a 405 the gateway had sent at once. A tunnel is not a request to resend anyway.
  if (method.toUpperCase() === 'CONNECT') {
    throw new ReplayError(
      edit.method === undefined ? 'NOT_REPLAYABLE' : 'INVALID_EDIT',
      'CONNECT opens a tunnel; replay sends plain HTTP requests and cannot reopen it.',
    );
  }
  const path = edit.url ?? originalPath(original);
  if (!(path.startsWith('/') || (path === '*' && method === 'OPTIONS')) || badTarget(path)) {
    throw new ReplayError(
      'INVALID_EDIT',
      `The URL "${path}" is not a valid request target: it must start with "/" and contain no spaces, control or non-ASCII characters (percent-encode them).`,
    );
  }
  if (edit.url !== undefined && path.includes('#')) {
    throw new ReplayError('INVALID_EDIT', `The URL "${path}" has a fragment (#…), which is never sent to a server; leave it out (or write %23 for a literal #).`);
  }

  // Pairs carry whether they came from the original (only those can hold masks).
  let pairs: { name: string; value: string; original: boolean }[] = [];
  const kept = resendableHeaders(original.requestHeaders);
  for (let i = 0; i < kept.length; i += 2) {
    const lower = kept[i].toLowerCase();
    // The replayer sends a fresh X-Request-Id (the gateway keys on it); the edit may set one.
    if (lower === 'x-request-id') continue;
    pairs.push({ name: kept[i], value: kept[i + 1], original: true });
  }
  if (!pairs.some((p) => p.name.toLowerCase() === 'host')) {
    pairs.unshift({ name: 'Host', value: requestAuthority(original.requestHeaders, original.host), original: false });
  }

  const edits = edit.headers ?? {};
  const editedNames = new Set<string>();
  for (const name of edits.remove ?? []) {
    const lower = name.toLowerCase();
    editedNames.add(lower);
    pairs = pairs.filter((p) => p.name.toLowerCase() !== lower);
  }
  for (const [name, value] of Object.entries(edits.set ?? {})) {
    const lower = checkName(name);
    editedNames.add(lower);
    const values = (Array.isArray(value) ? value : [value]).map((v) => checkValue(name, v));
    const at = pairs.findIndex((p) => p.name.toLowerCase() === lower);
    pairs = pairs.filter((p) => p.name.toLowerCase() !== lower);
    const fresh = values.map((v) => ({ name, value: v, original: false }));
    pairs.splice(at === -1 ? pairs.length : at, 0, ...fresh);
  }
  for (const [name, value] of Object.entries(edits.add ?? {})) {
    const lower = checkName(name);
    editedNames.add(lower);
    for (const v of Array.isArray(value) ? value : [value]) pairs.push({ name, value: checkValue(name, v), original: false });
  }
  for (const p of pairs) {
    if (['content-length', 'transfer-encoding'].includes(p.name.toLowerCase()) && !p.original) {
      throw new ReplayError('INVALID_EDIT', `${p.name} is computed by the replayer from the body; edit the body instead.`);
    }
  }

  const body = replayBody(original, edit);

  const masked: MaskedFields = { headers: [], url: false, body: false };
  for (const p of pairs) if (p.original && p.value.includes(MASK_MARK) && !masked.headers.includes(p.name)) masked.headers.push(p.name);
  masked.url = edit.url === undefined && (path.includes(JWT_MARK) || MASKED_PARAM.test(path));
  // A compressed body was masked decoded and stored encoded again: the mark is only seen decoded.
  masked.body = edit.body === undefined && body !== null && (opts.bodyMasked ?? bodyHasMaskedJwt(original.requestBody, original.requestHeaders));
  let droppedMasked: string[] = [];
  if (masked.headers.length > 0 && opts.dropMasked) {
    droppedMasked = masked.headers;
    pairs = pairs.filter((p) => !(p.original && p.value.includes(MASK_MARK)));
    masked.headers = [];
  }
  if (masked.headers.length > 0 || masked.url || masked.body) throw maskedError(masked);

  return {
    method,
    path,
    headers: pairs.flatMap((p) => [p.name, wireValue(p.value)]),
    body,
    hostEdited: editedNames.has('host'),
    requestIdEdited: editedNames.has('x-request-id'),
    droppedMasked,
  };
}

/** The original's path and query; an absolute-form target ("http://h/p") is reduced to its path. */
function originalPath(original: CapturedExchange): string {
  const url = original.url;
  if (url.startsWith('/') || url === '*') return url;
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(url);
  if (!m) return url;
  return m[1] === '' ? '/' : m[1].startsWith('/') ? m[1] : '/' + m[1];
}

function replayBody(original: CapturedExchange, edit: ReplayEdit): Buffer | null {
  if (edit.body === null) return null;
  if (edit.body !== undefined) {
    if ('text' in edit.body && typeof edit.body.text === 'string') return Buffer.from(edit.body.text, 'utf8');
    if ('base64' in edit.body && typeof edit.body.base64 === 'string') {
      const clean = edit.body.base64.replace(/\s+/g, '');
      if (!BASE64.test(clean) || clean.length % 4 === 1) throw new ReplayError('INVALID_EDIT', 'The body is not valid base64.');
      return Buffer.from(clean, 'base64');
    }
    throw new ReplayError('INVALID_EDIT', 'The body must be { text } or { base64 } (or null for no body).');
  }
  const rb = original.requestBody;
  if (rb.truncated) {
    throw new ReplayError(
      'BODY_INCOMPLETE',
      `The original request body ${whyIncomplete(rb, original.requestHeaders)}; it cannot be replayed as-is. Supply a body to replay this request.`,
    );
  }
  if (rb.bytes === null) {
    if (rb.size > 0) {
      throw new ReplayError(
        'BODY_INCOMPLETE',
        `The original request body (${rb.size} bytes) was not stored; it cannot be replayed as-is. Supply a body to replay this request.`,
      );
    }
    return null;
  }
  return Buffer.from(rb.bytes.buffer, rb.bytes.byteOffset, rb.bytes.byteLength);
}

function maskedError(masked: MaskedFields): ReplayError {
  const parts: string[] = [];
  if (masked.headers.length > 0) parts.push(`headers ${masked.headers.join(', ')} (set or remove them, or replay with dropMasked, --drop-masked on the command line, to send without them)`);
  if (masked.url) parts.push('the URL (edit the URL)');
  if (masked.body) parts.push('the body (supply a body)');
  return new ReplayError(
    'MASKED_SECRETS',
    `The original request's secrets were masked when it was captured and cannot be resent as "[masked]". Values are needed for: ${parts.join('; ')}.`,
    { masked },
  );
}

/**
 * Node writes header values as Latin-1 (the bytes it parsed them from) and
 * refuses wider characters; those (typed in an edit, or imported from a HAR)
 * go out as their UTF-8 bytes, as curl sends them.
 */
function wireValue(value: string): string {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0xff) return Buffer.from(value, 'utf8').toString('latin1');
  return value;
}

function checkName(name: string): string {
  if (!TOKEN.test(name)) throw new ReplayError('INVALID_EDIT', `"${name}" is not a valid header name.`);
  return name.toLowerCase();
}

function checkValue(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new ReplayError('INVALID_EDIT', `The value of header ${name} must be a string.`);
  if (badValue(value)) throw new ReplayError('INVALID_EDIT', `The value of header ${name} contains a control character.`);
  return value;
}
