/** The `host:port` of a CONNECT request (RFC 9110 §9.3.6), checked strictly. */
import { isIPv6 } from 'node:net';

export interface Authority {
  /** Host name or IP address, lower case, IPv6 without brackets. */
  host: string;
  port: number;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/** null when the target is not a usable authority (answered with 400). */
export function parseAuthority(target: string): Authority | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/@\s]+):(\d{1,5})$/.exec(target);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  let host = m[1].toLowerCase();
  if (host.startsWith('[')) {
    host = host.slice(1, -1);
    if (!isIPv6(host)) return null;
  } else if (!HOST_NAME.test(host)) {
    return null;
  }
  return { host, port };
}

/** "host:port" with IPv6 in brackets, for URLs and CONNECT lines. */
export function formatAuthority(a: Authority): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
