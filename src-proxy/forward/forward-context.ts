/** What a forward listener knows about one client connection, looked up by the request's socket. */
import type { Socket } from 'node:net';
import type { Authority } from './authority.js';
import type { OriginAgents } from './origin-agents.js';

export interface TunnelInfo {
  /** The CONNECT target: the origin the decrypted requests go to. */
  readonly origin: Authority;
  /** https: TLS the tunnel terminates; http: plain HTTP the client sent inside the tunnel. */
  readonly scheme: 'http' | 'https';
  /** SNI the client sent, or null. */
  readonly servername: string | null;
}

export interface ForwardContext {
  readonly agents: OriginAgents;
  /** Set on decrypted connections of an intercepted tunnel; null on the plain proxy connection. */
  readonly tunnel: TunnelInfo | null;
}

// A symbol property, not a WeakMap: HTTP/2 requests of an intercepted tunnel
// see their connection through node's proxy object, which forwards property
// reads to the real socket (as tls/connection-info.ts relies on too).
const CONTEXT = Symbol('switchyard.forwardContext');
type Marked = Socket & { [CONTEXT]?: ForwardContext };

export function setForwardContext(socket: Socket, ctx: ForwardContext): void {
  (socket as Marked)[CONTEXT] = ctx;
}

export function forwardContext(socket: Socket): ForwardContext | undefined {
  return (socket as Marked)[CONTEXT];
}
