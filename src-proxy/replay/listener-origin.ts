/**
 * Where to reach a running reverse listener from this machine: its bound URL,
 * with a wildcard address (0.0.0.0, ::) read as loopback.
 */
import type { Engine } from '../engine.js';

export interface ListenerOrigin {
  origin: string;
  /** Its certificates come from the local CA (a client must trust that CA's certificate). */
  localCa: boolean;
}

export function listenerOrigin(engine: Pick<Engine, 'listeners'>, name: string): ListenerOrigin | undefined {
  const listener = engine.listeners().find((l) => l.name === name && l.served && l.mode === 'reverse');
  return listener === undefined ? undefined : { origin: reachableUrl(listener.url).origin, localCa: listener.tls === 'local-ca' };
}

/** A listener's URL, with a wildcard address read as loopback. */
export function reachableUrl(listenerUrl: string): URL {
  const url = new URL(listenerUrl);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return url;
}
