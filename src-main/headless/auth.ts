/**
 * Who may talk to the headless host: the session token (constant-time
 * compare), the Host header (DNS rebinding) and the Origin header (CSRF and
 * cross-site WebSocket hijacking). Pure functions over request headers, so the
 * HTTP and WebSocket paths share them.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';

/** Sub-protocol prefix that carries the token for browsers (which cannot set headers on a WebSocket). */
export const TOKEN_PROTOCOL_PREFIX = 'switchyard.token.';

export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time equality that does not leak the length either (both sides are hashed first). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1]! : null;
}

/** The token offered on a WebSocket upgrade: `?token=` or a `switchyard.token.<token>` sub-protocol. */
export function webSocketToken(req: IncomingMessage, url: URL): { token: string; protocol?: string } | null {
  const offered = offeredProtocols(req).find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  if (offered) return { token: offered.slice(TOKEN_PROTOCOL_PREFIX.length), protocol: offered };
  const fromQuery = url.searchParams.get('token');
  return fromQuery ? { token: fromQuery } : null;
}

export function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

function hostPort(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${h}:${port}`.toLowerCase();
}

/**
 * The Host header values this server answers to: the loopback names, the
 * configured bind host and, when bound to a wildcard, this machine's addresses.
 * A DNS-rebinding page would arrive with its own name in Host and is refused.
 */
export function allowedHosts(bindHost: string, port: number): Set<string> {
  const hosts = new Set<string>(['127.0.0.1', 'localhost', '::1']);
  if (WILDCARDS.has(bindHost)) {
    for (const list of Object.values(networkInterfaces())) {
      for (const iface of list ?? []) hosts.add(iface.address.replace(/%.*$/, ''));
    }
  } else {
    hosts.add(bindHost.replace(/^\[|\]$/g, ''));
  }
  const out = new Set<string>();
  for (const h of hosts) {
    out.add(hostPort(h, port));
    // Browsers omit the default port from Host.
    if (port === 80) out.add(hostPort(h, 80).replace(/:80$/, ''));
  }
  return out;
}

/** The (lower-cased) Host header when it names this server, else null. */
export function checkHost(req: IncomingMessage, allowed: Set<string>): string | null {
  const host = req.headers.host?.toLowerCase();
  return host !== undefined && allowed.has(host) ? host : null;
}

/**
 * No Origin (curl, scripts, same-origin GETs) is fine: the token still guards
 * the API. A present Origin must be this very origin — `null` and foreign
 * origins are refused.
 */
export function checkOrigin(req: IncomingMessage, host: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin.toLowerCase() === `http://${host}`;
}
