/**
 * What the TLS layer knows about a client connection, read per request for
 * events and capture. HTTP/2 requests see the session socket through a proxy
 * that forwards property reads, so the handshake time is kept as a symbol
 * property on the TLS socket itself rather than in a WeakMap.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface TlsConnectionInfo {
  /** "TLSv1.3", "TLSv1.2". */
  version: string | null;
  /** The server name the client asked for (SNI), if any. */
  sni: string | null;
  /** The ALPN protocol agreed ("h2", "http/1.1"), if any. */
  alpn: string | null;
}

const HANDSHAKE_MS = Symbol('switchyard.tlsHandshakeMs');
type Marked = TLSSocket & { [HANDSHAKE_MS]?: number };

/** Records how long the handshake took; reported once, with the connection's first request. */
export function markHandshake(socket: TLSSocket, ms: number): void {
  (socket as Marked)[HANDSHAKE_MS] = ms;
}

/** The handshake time if this is the first request to ask for it on its connection, else undefined. */
export function takeHandshakeMs(socket: Socket): number | undefined {
  const marked = socket as Marked;
  const ms = marked[HANDSHAKE_MS];
  if (ms !== undefined) marked[HANDSHAKE_MS] = undefined;
  return ms;
}

export function tlsInfoOf(socket: Socket | null | undefined): TlsConnectionInfo | null {
  const s = socket as TLSSocket | null | undefined;
  if (!s || s.encrypted !== true) return null;
  const sni = (s as TLSSocket & { servername?: string | false }).servername;
  return {
    version: s.getProtocol?.() ?? null,
    sni: typeof sni === 'string' && sni !== '' ? sni : null,
    alpn: typeof s.alpnProtocol === 'string' ? s.alpnProtocol : null,
  };
}
