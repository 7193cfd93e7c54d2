/**
 * CONNECT host:port: checked (a usable authority, an allowed port, proxy
 * credentials), then either a blind TCP tunnel — the client talks TLS with
 * the origin itself — or, for hosts matching `intercept`, a tunnel Switchyard
 * terminates (intercept.ts). Refusals are answered with a problem and the
 * connection closed; refusals and blind tunnels are recorded (connect-exchange.ts).
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { SwitchyardError } from '../errors.js';
import { formatAuthority, parseAuthority } from './authority.js';
import { ESTABLISHED, refuseConnect, releaseConnect, startConnectExchange, tunnelEstablished } from './connect-exchange.js';
import { proxyAuthError } from './forward-request.js';
import { hostMatcher } from './host-patterns.js';
import { interceptTunnel, type DecryptedServers } from './intercept.js';
import { parseParentProxy, type OriginAgents } from './origin-agents.js';
import { openStream } from './parent-connect.js';
import { checkProxyAuth } from './proxy-auth.js';

export interface ConnectDeps {
  agents: OriginAgents;
  /** The internal servers that parse decrypted requests (HTTP/1.1 and h2). */
  servers: DecryptedServers;
  track: (socket: Socket) => void;
}

export async function handleConnect(req: http.IncomingMessage, client: Socket, head: Buffer, listener: ListenerPlan, state: EngineState, deps: ConnectDeps): Promise<void> {
  client.on('error', () => client.destroy());
  const ex = startConnectExchange(req, client, listener, state);
  const target = req.url ?? '';
  const origin = parseAuthority(target);
  if (origin === null) {
    return refuseConnect(ex, new SwitchyardError('BAD_REQUEST', `CONNECT needs a host:port target; "${target.slice(0, 80)}" is not one.`));
  }
  if (!listener.connectPorts.includes(origin.port)) {
    return refuseConnect(
      ex,
      new SwitchyardError('FORBIDDEN', `CONNECT to port ${origin.port} is not allowed on listener "${listener.name}" (connectPorts: ${listener.connectPorts.join(', ')}).`),
    );
  }
  if (listener.proxyAuth !== null) {
    const result = await checkProxyAuth(listener.proxyAuth, ex.header('proxy-authorization'));
    if (!result.ok) return refuseConnect(ex, proxyAuthError(listener.proxyAuth, result.reason));
  }
  if (client.destroyed) return;
  if (hostMatcher(listener.intercept)(origin.host)) {
    releaseConnect(ex, client);
    client.write(ESTABLISHED);
    if (head.length > 0) client.unshift(head);
    return interceptTunnel(client, origin, state, deps.agents, deps.servers, deps.track).catch(() => void client.destroy());
  }
  let upstream: Socket;
  try {
    upstream = await openStream(origin, listener.parentProxy === null ? null : parseParentProxy(listener.parentProxy));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return refuseConnect(ex, new SwitchyardError('UPSTREAM_CONNECT_FAILED', `Could not open a tunnel to ${formatAuthority(origin)}: ${message}.`, { cause: err }));
  }
  if (client.destroyed) return void upstream.destroy();
  upstream.setNoDelay(true);
  if (head.length > 0) upstream.write(head);
  tunnelEstablished(ex, client, upstream, `tcp://${formatAuthority(origin)}`);
}
