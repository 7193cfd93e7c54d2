/**
 * What a client speaks inside a tunnel to an intercepted host, judged from its
 * first bytes (as mitmproxy does): a TLS record (0x16) is intercepted, an HTTP
 * request line is served as plain HTTP, anything else passes through blind.
 * The bytes read are put back for whoever handles the stream next.
 */
import type { Socket } from 'node:net';

export type TunnelProtocol = 'tls' | 'http' | 'other';

const TLS_HANDSHAKE = 0x16;
/** Longer than any method name; an all-capitals prefix this long without a space is not HTTP. */
const MAX_METHOD = 20;

/** Resolves with the protocol, or null when the client closes or stays silent for `timeoutMs`. */
export function sniffTunnel(socket: Socket, timeoutMs: number): Promise<TunnelProtocol | null> {
  return new Promise((resolve) => {
    let seen: Buffer = Buffer.alloc(0);
    const done = (result: TunnelProtocol | null) => {
      clearTimeout(timer);
      socket.removeListener('data', onData).removeListener('end', onGone).removeListener('close', onGone);
      socket.pause();
      if (seen.length > 0) socket.unshift(seen);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const kind = classify(seen);
      if (kind !== undefined) done(kind);
    };
    const onGone = () => done(null);
    const timer = setTimeout(onGone, timeoutMs);
    socket.on('data', onData).once('end', onGone).once('close', onGone);
  });
}

/** undefined: not enough bytes yet to tell (a method name still arriving). */
export function classify(bytes: Buffer): TunnelProtocol | undefined {
  if (bytes[0] === TLS_HANDSHAKE) return 'tls';
  for (let i = 0; i < bytes.length && i <= MAX_METHOD; i++) {
    const b = bytes[i];
    if (b === 0x20) return i > 0 ? 'http' : 'other';
    if (b < 0x41 || b > 0x5a) return 'other'; // methods are upper-case tokens (RFC 9110 §9.1)
  }
  return bytes.length > MAX_METHOD ? 'other' : undefined;
}
