/**
 * HTTPS interception: the client's tunnel is terminated with a certificate the
 * local CA issues for the CONNECT host (or the SNI name the client sends), and
 * the decrypted connection is handed to an internal HTTP server that never
 * listens — its requests then run through the forward request path like
 * absolute-form ones. ALPN offers h2 and http/1.1, and the connection goes to
 * the internal server for the protocol the client chose.
 */
import type http from 'node:http';
import type http2 from 'node:http2';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { EngineState } from '../engine-state.js';
import type { Authority } from './authority.js';
import { setForwardContext } from './forward-context.js';
import type { OriginAgents } from './origin-agents.js';

/** Parse the decrypted side of intercepted tunnels; they never listen. */
export interface DecryptedServers {
  http1: http.Server;
  h2: http2.Http2Server;
}

/** A TLS handshake that has not finished by then is given up. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export async function interceptTunnel(
  client: Socket,
  origin: Authority,
  state: EngineState,
  agents: OriginAgents,
  servers: DecryptedServers,
  track: (socket: Socket) => void,
): Promise<void> {
  const ca = await state.certificates.localCa();
  const context = await ca.contextFor(origin.host);
  if (client.destroyed) return;
  const tlsSocket = new TLSSocket(client, {
    isServer: true,
    secureContext: context,
    ALPNProtocols: ['h2', 'http/1.1'],
    SNICallback: (name, cb) => {
      ca.contextFor(name).then(
        (c) => cb(null, c),
        (err: Error) => cb(err),
      );
    },
  });
  track(tlsSocket);
  const timer = setTimeout(() => tlsSocket.destroy(), HANDSHAKE_TIMEOUT_MS);
  tlsSocket.on('error', () => tlsSocket.destroy());
  tlsSocket.once('close', () => clearTimeout(timer));
  // The client socket allows half-open connections: one that hangs up mid-handshake must not wait for the timeout.
  // (Its end may already have been read by the plain socket, before TLS took the stream over.)
  const hungUp = () => tlsSocket.destroy();
  tlsSocket.once('end', hungUp);
  client.once('end', hungUp);
  tlsSocket.once('secure', () => {
    clearTimeout(timer);
    tlsSocket.removeListener('end', hungUp);
    client.removeListener('end', hungUp);
    const servername = (tlsSocket as TLSSocket & { servername?: string | false }).servername;
    setForwardContext(tlsSocket, { agents, tunnel: { origin, scheme: 'https', servername: typeof servername === 'string' ? servername : null } });
    if (tlsSocket.alpnProtocol === 'h2') {
      // A server-side TLSSocket built by hand keeps `secureConnecting` true after
      // its handshake, and node's h2 session would wait for a 'secureConnect'
      // that only client sockets emit.
      (tlsSocket as TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
      servers.h2.emit('connection', tlsSocket);
    } else {
      servers.http1.emit('connection', tlsSocket);
    }
  });
}
