/**
 * Where a forward request goes: the authority of an absolute-form target
 * (`GET http://host:port/path`), or the CONNECT target of the intercepted
 * tunnel it arrived through (over https, or http when the client spoke plain
 * HTTP in the tunnel). The path is passed on as the client wrote it.
 */
import { SwitchyardError } from '../errors.js';
import type { Exchange } from '../pipeline/exchange.js';
import { formatAuthority, parseAuthority } from './authority.js';
import type { TunnelInfo } from './forward-context.js';

export interface OriginTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** scheme://host:port — the dispatcher origin and the `target` of events and capture. */
  url: string;
  /** Host header for the origin. */
  authority: string;
  /** Path and query. */
  path: string;
}

const ABSOLUTE = /^(https?):\/\/([^/?#]+)([^#]*)$/i;

export function originTarget(ex: Exchange, tunnel: TunnelInfo | null): OriginTarget {
  const target = ex.req.url ?? '';
  if (tunnel !== null) {
    const host = formatAuthority(tunnel.origin);
    // The tunnel fixes the origin; an absolute-form target inside it still names the path.
    const inTunnel = ABSOLUTE.exec(target)?.[3] ?? target;
    return {
      scheme: tunnel.scheme,
      host: tunnel.origin.host,
      port: tunnel.origin.port,
      url: `${tunnel.scheme}://${host}`,
      authority: ex.req.headers.host ?? host,
      path: inTunnel.startsWith('/') ? inTunnel : inTunnel.startsWith('?') ? '/' + inTunnel : '/',
    };
  }
  const m = ABSOLUTE.exec(target);
  if (!m) {
    throw new SwitchyardError('BAD_REQUEST', 'This is a forward proxy: send requests in absolute form (GET http://host/path), or CONNECT host:port for HTTPS.');
  }
  const scheme = m[1].toLowerCase() as 'http' | 'https';
  const given = m[2].includes('@') ? null : m[2];
  const withPort = given !== null && /:\d+$/.test(given) ? given : `${given}:${scheme === 'https' ? 443 : 80}`;
  const authority = given === null ? null : parseAuthority(withPort);
  if (authority === null) throw new SwitchyardError('BAD_REQUEST', `"${m[2]}" is not a host this proxy can reach.`);
  const path = m[3] === '' ? '/' : m[3].startsWith('/') ? m[3] : '/' + m[3];
  return { scheme, host: authority.host, port: authority.port, url: `${scheme}://${formatAuthority(authority)}`, authority: given as string, path };
}
