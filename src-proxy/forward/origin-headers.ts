/**
 * Request headers for an origin: what the client sent, less hop-by-hop and
 * Proxy-* headers (and those Connection names), with Host set to the origin's
 * authority. A forward proxy stays transparent: no X-Forwarded-* are added.
 */
import { REPLAY_HEADER } from '../capture/replay-marks.js';
import type { Exchange } from '../pipeline/exchange.js';
import { endToEndHeaders } from '../pipeline/proxy/forward-headers.js';

/** Set by the proxy (Host) or meant for it (Expect, Proxy-*, the replay mark), so never passed on. */
const dropForOrigin = (name: string) => name === 'host' || name === 'expect' || name === REPLAY_HEADER || name.startsWith('proxy-');

export function originRequestHeaders(ex: Exchange, authority: string, opts: { upgrade?: boolean } = {}): string[] {
  const out = endToEndHeaders(ex.req, dropForOrigin, opts.upgrade === true);
  out.push('host', authority);
  return out;
}
