/**
 * Headers between hops. Hop-by-hop headers (RFC 9110 §7.6.1), and any header
 * the Connection header names, never cross the gateway; the forwarding headers
 * are set from what the gateway itself saw.
 */
import type { IncomingMessage } from 'node:http';
import type { Exchange } from '../exchange.js';
import { REPLAY_HEADER } from '../../capture/replay-marks.js';
import type { Target } from '../../upstream/target.js';

export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Set by the gateway, so any client-sent copy is replaced (or appended to, for the chains). */
const REPLACED = new Set(['host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'forwarded', 'x-request-id', 'expect', REPLAY_HEADER]);

/** `Connection: keep-alive` (or close) names no header: by far the most common value, answered without parsing. */
const PLAIN_CONNECTION = /^\s*(?:keep-alive|close)\s*$/i;

export function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined || (typeof value === 'string' && PLAIN_CONNECTION.test(value))) return null;
  const tokens = new Set<string>();
  for (const t of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const v = t.trim().toLowerCase();
    if (v !== '' && v !== 'close' && v !== 'keep-alive') tokens.add(v);
  }
  return tokens.size > 0 ? tokens : null;
}

const isReplaced = (name: string) => REPLACED.has(name);

/**
 * The client's headers as a flat [name, value, …] list in their order, less
 * hop-by-hop ones, those the Connection header names and those `drop` picks
 * (given lower-case names); an upgrade keeps its Connection/Upgrade pair.
 */
export function endToEndHeaders(req: IncomingMessage, drop: (name: string) => boolean, upgrade: boolean): string[] {
  const raw = req.rawHeaders;
  const named = connectionTokens(req.headers.connection);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || drop(name) || (named !== null && named.has(name))) continue;
    out.push(raw[i], raw[i + 1]);
  }
  if (upgrade) out.push('connection', 'upgrade', 'upgrade', String(req.headers.upgrade));
  return out;
}

/**
 * Builds the upstream request headers as a flat [name, value, …] list, keeping
 * the client's order, casing and repeated fields.
 */
export function upstreamRequestHeaders(ex: Exchange, target: Target, opts: { upgrade?: boolean } = {}): string[] {
  const { req } = ex;
  const out = endToEndHeaders(req, isReplaced, opts.upgrade === true);
  // TE is hop-by-hop, but "trailers" says this hop takes trailers, which the gateway passes on: some
  // upstreams (gRPC, conditional trailers) send them only when asked.
  if (acceptsTrailers(req.headers.te)) out.push('te', 'trailers');

  const proto = ex.listener.tls ? 'https' : 'http';
  // An absolute-form target's authority replaces the client's Host (RFC 9112 §3.2.2).
  const originalHost = ex.authority || (req.headers.host ?? ex.host);
  const xff = req.headers['x-forwarded-for'];
  out.push('x-forwarded-for', xff ? `${xff}, ${ex.clientIp}` : ex.clientIp);
  // An HTTP/1.0 client may send no Host: then there is no original host to pass on (an empty one is not a host).
  out.push('x-forwarded-proto', proto);
  if (originalHost !== '') out.push('x-forwarded-host', originalHost);
  out.push('x-real-ip', ex.clientIp);
  const forFor = ex.clientIp.includes(':') ? `"[${ex.clientIp}]"` : ex.clientIp;
  const element = `for=${forFor};${originalHost === '' ? '' : `host=${quoteIfNeeded(originalHost)};`}proto=${proto}`;
  const forwarded = req.headers.forwarded;
  out.push('forwarded', forwarded ? `${forwarded}, ${element}` : element);
  out.push('x-request-id', ex.id);
  out.push('host', upstreamHost(ex, target, originalHost));
  return out;
}

/** Whether a TE header lists the "trailers" token. */
export function acceptsTrailers(te: string | string[] | undefined): boolean {
  if (te === undefined) return false;
  for (const t of (Array.isArray(te) ? te.join(',') : te).split(',')) {
    if (t.split(';')[0].trim().toLowerCase() === 'trailers') return true;
  }
  return false;
}

function upstreamHost(ex: Exchange, target: Target, originalHost: string): string {
  const rewriteHost = ex.route?.rewrite?.host;
  if (rewriteHost) return rewriteHost;
  const mode = ex.upstream?.plan.hostHeader ?? 'preserve';
  // No Host to preserve (HTTP/1.0 may leave it out): the target's, as nginx and Go's proxy send. An empty
  // Host on the HTTP/1.1 upstream request is refused by nginx and others (400).
  if (mode === 'preserve' && originalHost !== '') return originalHost;
  if (mode === 'preserve' || mode === 'target') return target.url.slice(target.url.indexOf('//') + 2);
  return mode.fixed;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Hosts repeat from request to request: remember the last answer.
let lastHost = '';
let lastQuoted = '';
function quoteIfNeeded(v: string): string {
  if (v === lastHost) return lastQuoted;
  lastHost = v;
  lastQuoted = TOKEN.test(v) ? v : `"${v.replace(/["\\]/g, '\\$&')}"`;
  return lastQuoted;
}

/** Response headers for the client: hop-by-hop removed, everything else as the upstream sent it. */
export function clientResponseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const named = connectionTokens(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || (named !== null && named.has(name))) continue;
    out[name] = value;
  }
  return out;
}
