/**
 * HTTPS interception: the client's tunnel is terminated with a certificate the
 * local CA issues for the CONNECT host (or the SNI name the client sends), and
 * the decrypted connection is handed to an internal HTTP server that never
 * listens — its requests then run through the forward request path like
 * absolute-form ones. ALPN offers http/1.1 only, so clients never choose h2.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { EngineState } from '../engine-state.js';
import type { Authority } from './authority.js';
import { setForwardContext } from './forward-context.js';
import type { OriginAgents } from './origin-agents.js';

/** A TLS handshake that has not finished by then is given up. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export async function interceptTunnel(
  client: Socket,
  origin: Authority,
  state: EngineState,
  agents: OriginAgents,
  server: http.Server,
  track: (socket: Socket) => void,
): Promise<void> {
  const ca = await state.certificates.localCa();
  const context = await ca.contextFor(origin.host);
  if (client.destroyed) return;
  const tlsSocket = new TLSSocket(client, {
    isServer: true,
    secureContext: context,
    ALPNProtocols: ['http/1.1'],
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
  tlsSocket.once('secure', () => {
    clearTimeout(timer);
    const servername = (tlsSocket as TLSSocket & { servername?: string | false }).servername;
    setForwardContext(tlsSocket, { agents, tunnel: { origin, servername: typeof servername === 'string' ? servername : null } });
    server.emit('connection', tlsSocket);
  });
}
