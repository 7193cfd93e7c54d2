/** What a forward listener knows about one client connection, looked up by the request's socket. */
import type { Socket } from 'node:net';
import type { Authority } from './authority.js';
import type { OriginAgents } from './origin-agents.js';

export interface TunnelInfo {
  /** The CONNECT target: the origin the decrypted requests go to. */
  readonly origin: Authority;
  /** SNI the client sent, or null. */
  readonly servername: string | null;
}

export interface ForwardContext {
  readonly agents: OriginAgents;
  /** Set on decrypted connections of an intercepted tunnel; null on the plain proxy connection. */
  readonly tunnel: TunnelInfo | null;
}

const contexts = new WeakMap<Socket, ForwardContext>();

export function setForwardContext(socket: Socket, ctx: ForwardContext): void {
  contexts.set(socket, ctx);
}

export function forwardContext(socket: Socket): ForwardContext | undefined {
  return contexts.get(socket);
}
