/**
 * CONNECT host:port: checked (a usable authority, an allowed port, proxy
 * credentials), then either a blind TCP tunnel — the client talks TLS with
 * the origin itself — or, for hosts matching `intercept`, a tunnel Switchyard
 * terminates (intercept.ts) when the client speaks TLS in it; plain HTTP in
 * such a tunnel is proxied and captured as HTTP, any other protocol passes
 * through blind. Refusals are answered with a problem and the connection
 * closed; refusals and blind tunnels are recorded (connect-exchange.ts).
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { SwitchyardError } from '../errors.js';
import type { Exchange } from '../pipeline/exchange.js';
import { formatAuthority, parseAuthority, type Authority } from './authority.js';
import { ESTABLISHED, refuseConnect, releaseConnect, startConnectExchange, tunnelEstablished, tunnelFailed } from './connect-exchange.js';
import { setForwardContext } from './forward-context.js';
import { proxyAuthError } from './forward-request.js';
import { hostMatcher } from './host-patterns.js';
import { interceptTunnel, type DecryptedServers } from './intercept.js';
import { parseParentProxy, type OriginAgents, type ParentProxy } from './origin-agents.js';
import { isConnectTimeout, openStream } from './parent-connect.js';
import { checkProxyAuth } from './proxy-auth.js';
import { sniffTunnel } from './tunnel-sniff.js';

/** How long a client in an intercepted tunnel may take to send its first bytes (a TLS ClientHello, usually). */
const SNIFF_TIMEOUT_MS = 10_000;

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
  const parent = listener.parentProxy === null ? null : parseParentProxy(listener.parentProxy);
  if (!hostMatcher(listener.intercept)(origin.host)) return blindTunnel(ex, client, origin, parent, head, false);
  // Intercepted host: answer at once, then see what the client speaks.
  client.write(ESTABLISHED);
  if (head.length > 0) client.unshift(head);
  const protocol = await sniffTunnel(client, SNIFF_TIMEOUT_MS);
  if (protocol === 'other') return blindTunnel(ex, client, origin, parent, Buffer.alloc(0), true);
  releaseConnect(ex, client);
  if (protocol === null || client.destroyed) return void client.destroy();
  if (protocol === 'http') return serveTunnelledHttp(client, origin, deps);
  return interceptTunnel(client, origin, state, deps.agents, deps.servers, deps.track).catch(() => void client.destroy());
}

/** Bytes both ways between the client and the origin (or the parent proxy's tunnel to it). */
async function blindTunnel(ex: Exchange, client: Socket, origin: Authority, parent: ParentProxy | null, head: Buffer, announced: boolean): Promise<void> {
  let upstream: Socket;
  try {
    upstream = await openStream(origin, parent, { timeoutMs: ex.listener.originTimeouts.connectMs, allowHalfOpen: true });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const e = isConnectTimeout(err)
      ? new SwitchyardError('UPSTREAM_CONNECT_TIMEOUT', `Timed out opening a tunnel to ${formatAuthority(origin)}: ${message}.`, { cause: err })
      : new SwitchyardError('UPSTREAM_CONNECT_FAILED', `Could not open a tunnel to ${formatAuthority(origin)}: ${message}.`, { cause: err });
    return announced ? tunnelFailed(ex, client, e) : refuseConnect(ex, e);
  }
  if (client.destroyed) return void upstream.destroy();
  upstream.setNoDelay(true);
  if (head.length > 0) upstream.write(head);
  tunnelEstablished(ex, client, upstream, `tcp://${formatAuthority(origin)}`, announced);
}

/** Plain HTTP inside a tunnel to an intercepted host: parsed and proxied to http://host:port, captured like the rest. */
function serveTunnelledHttp(client: Socket, origin: Authority, deps: ConnectDeps): void {
  setForwardContext(client, { agents: deps.agents, tunnel: { origin, scheme: 'http', servername: null } });
  deps.servers.http1.emit('connection', client);
  client.resume();
}
