/**
 * A captured request as a curl command that sends the same method, URL,
 * headers and body bytes. Bodies are inline (`--data-raw`, or a printf
 * process substitution when they hold NUL bytes or are large); headers curl
 * would add on its own are suppressed when the original did not send them.
 * Masked secrets appear as `<masked>`, with a comment saying what to fill in.
 */
import type { CapturedExchange } from '../capture/captured-exchange.js';
import { REPLAY_HEADER } from '../capture/replay-marks.js';
import { HOP_BY_HOP } from '../pipeline/proxy/forward-headers.js';
import { contentCodingsIn } from '../capture/content-coding.js';
import { whyIncomplete } from './incomplete-body.js';
import { bodyHasMaskedJwt } from './masked-body.js';
import { headerValues, isPseudoHeader, requestAuthority } from './raw-headers.js';
import { printfFormat, shellQuote } from './shell-quote.js';

export interface CurlOptions {
  /** Send to this origin instead of the captured scheme and host (e.g. a listener URL); the original Host header is then sent explicitly. */
  baseUrl?: string;
  /** Add -k (skip TLS certificate checks). Never the default. */
  insecure?: boolean;
  /** Trust this CA certificate file (`--cacert`), e.g. the local CA's for a listener it issues for. */
  caCert?: string;
  /** One option per line, joined with " \\"; default true. */
  multiline?: boolean;
  /** Whether the body holds a masked JWT, found off the event loop (bodyHasMaskedJwtAsync); absent, it is looked for here. */
  bodyMasked?: boolean;
}

export type CurlRequest = Pick<CapturedExchange, 'method' | 'scheme' | 'host' | 'url' | 'httpVersion' | 'requestHeaders' | 'requestBody'>;

export const MASK_PLACEHOLDER = '<masked>';
const MASKS = /\[masked(-jwt)?\]/g;
/** Bodies larger than this go through printf (one argument may hold at most 128 KiB on Linux). */
const INLINE_LIMIT = 64 * 1024;
const SKIPPED = new Set([...HOP_BY_HOP, 'content-length', 'host', 'expect', 'accept-encoding', REPLAY_HEADER]);

/** Header values and URLs are byte strings (latin1) as node parses them; wider characters (from imports) are UTF-8. */
function bytesOf(text: string): Buffer {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return Buffer.from(text, 'utf8');
  return Buffer.from(text, 'latin1');
}

/** The host name of an authority (lower-cased, port and trailing dot dropped) when it is a DNS name, not an IP literal. */
function dnsName(authority: string): string | null {
  const host = authority.replace(/:\d*$/, '').replace(/\.$/, '').toLowerCase();
  if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9])?)*$/.test(host)) return null;
  return /^[\d.]+$/.test(host) ? null : host;
}

export function toCurl(request: CurlRequest, options: CurlOptions = {}): string {
  const comments: string[] = [];
  const args: string[] = [];
  const raw = request.requestHeaders;
  const masked: string[] = [];
  const unmask = (value: string, what: string): string => {
    if (!value.includes('[masked')) return value;
    if (!masked.includes(what)) masked.push(what);
    return value.replace(MASKS, MASK_PLACEHOLDER);
  };

  const authority = requestAuthority(raw, request.host);
  const absolute = /^https?:\/\//i.test(request.url);
  const path = absolute ? request.url.replace(/^https?:\/\/[^/?#]*/i, '') || '/' : request.url;
  let url: string;
  let hostHeader: string | null = null;
  if (options.baseUrl !== undefined) {
    const base = new URL(options.baseUrl);
    const name = dnsName(authority);
    if (base.protocol === 'https:' && name !== null) {
      // TLS: connect to the listener under the request's own name, so SNI and certificate checks see it.
      const port = base.port || '443';
      url = `https://${name}:${port}${path}`;
      args.push(`--resolve ${shellQuote(`${name}:${port}:${base.hostname}`)}`);
      if (`${name}:${port}` !== authority.toLowerCase()) hostHeader = authority;
    } else {
      url = base.origin + path;
      if (base.host !== authority) hostHeader = authority;
    }
  } else {
    url = absolute ? request.url : `${request.scheme || 'http'}://${authority}${path}`;
  }
  url = unmask(url, 'the URL');

  const body = request.requestBody;
  const bytes = body.bytes === null ? null : Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
  const hasBody = bytes !== null && bytes.length > 0;
  const method = request.method;
  if (hasBody) {
    if (method !== 'POST') args.push(`-X ${shellQuote(method)}`);
  } else if (method === 'HEAD') args.push('--head');
  else if (method !== 'GET') args.push(`-X ${shellQuote(method)}`);

  const version = request.httpVersion.replace(/^HTTP\//i, '');
  if (version === '1.0') args.push('--http1.0');
  else if (version.startsWith('2')) args.push(request.scheme === 'http' ? '--http2-prior-knowledge' : '--http2');
  else if (version.startsWith('3')) args.push('--http3');

  // curl reads [] and {} in URLs as globs, and squashes /./ and /../ unless told not to.
  if (/[[\]{}]/.test(url)) args.push('-g');
  if (/\/\.\.?(\/|$|\?)/.test(path)) args.push('--path-as-is');

  if (hostHeader !== null) args.push(`-H ${shellQuote(bytesOf(`Host: ${hostHeader}`))}`);
  const named = new Set(headerValues(raw, 'connection').flatMap((v) => v.split(',').map((t) => t.trim().toLowerCase())));
  const present = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    present.add(lower);
    if (SKIPPED.has(lower) || isPseudoHeader(lower) || named.has(lower)) continue;
    const value = unmask(raw[i + 1], raw[i]);
    // "-H 'Name:'" would remove the header; "Name;" sends it empty.
    const line = value === '' ? `${raw[i]};` : `${raw[i]}: ${value}`;
    args.push(`-H ${shellQuote(bytesOf(line))}`);
  }
  // Headers curl adds by itself, which the original did not send.
  if (!present.has('user-agent')) args.push(`-H 'User-Agent:'`);
  if (!present.has('accept')) args.push(`-H 'Accept:'`);
  if (hasBody && !present.has('content-type')) args.push(`-H 'Content-Type:'`);
  if (hasBody && bytes.length > 1024) args.push(`-H 'Expect:'`);
  if (!hasBody && headerValues(raw, 'content-length')[0] === '0') args.push(`-H 'Content-Length: 0'`);
  if (present.has('accept-encoding')) args.push('--compressed');
  if (options.insecure) args.push('-k');
  else if (options.caCert !== undefined) args.push(`--cacert ${shellQuote(options.caCert)}`);

  if (hasBody) {
    // A compressed body was masked decoded and stored encoded again: the mark is only seen decoded.
    if (options.bodyMasked ?? bodyHasMaskedJwt(body, raw)) {
      const codings = contentCodingsIn(raw);
      comments.push(
        codings.length === 0
          ? `# The body held a JWT that was masked when captured ("[masked-jwt]"): put the real token back before running.`
          : `# The body held a JWT that was masked when captured ("[masked-jwt]", inside its ${codings.join(', ')} encoding): decode it, put the real token back and encode it again before running.`,
      );
    }
    if (bytes.includes(0) || bytes.length > INLINE_LIMIT) args.push(`--data-binary @<(printf ${printfFormat(bytes)})`);
    else args.push(`--data-raw ${shellQuote(bytes)}`);
  }
  if (body.truncated || (body.bytes === null && body.size > 0)) {
    comments.push(`# The body ${whyIncomplete(body, raw)}: this command sends only the captured part.`);
  }
  if (masked.length > 0) {
    comments.unshift(`# ${masked.join(', ')} ${masked.length > 1 ? 'were' : 'was'} masked when captured: replace ${MASK_PLACEHOLDER} with the real value before running.`);
  }
  const sep = options.multiline === false ? ' ' : ' \\\n  ';
  const command = ['curl ' + shellQuote(bytesOf(url)), ...args].join(sep);
  return comments.length > 0 ? `${comments.join('\n')}\n${command}` : command;
}
