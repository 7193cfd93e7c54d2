/**
 * Request headers for an origin: what the client sent, less hop-by-hop and
 * Proxy-* headers (and those Connection names), with Host set to the origin's
 * authority. A forward proxy stays transparent: no X-Forwarded-* are added.
 */
import { REPLAY_HEADER } from '../capture/replay-marks.js';
import type { Exchange } from '../pipeline/exchange.js';
import { HOP_BY_HOP, connectionTokens } from '../pipeline/proxy/forward-headers.js';

export function originRequestHeaders(ex: Exchange, authority: string, opts: { upgrade?: boolean } = {}): string[] {
  const { req } = ex;
  const raw = req.rawHeaders;
  const named = connectionTokens(req.headers.connection);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || name === 'host' || name === 'expect' || name === REPLAY_HEADER || name.startsWith('proxy-')) continue;
    if (named !== null && named.has(name)) continue;
    out.push(raw[i], raw[i + 1]);
  }
  if (opts.upgrade) out.push('connection', 'upgrade', 'upgrade', String(req.headers.upgrade));
  out.push('host', authority);
  return out;
}
