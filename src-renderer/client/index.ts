import { controlClient, type ControlClient } from './contract';
import { createWebSocketEventsClient, eventsUrl, type EventsClient } from './events-client';
import { createHttpTransport } from './http-transport';
import { createIpcEventsClient } from './ipc-events-client';
import { createIpcTransport } from './ipc-transport';
import { RpcError, type WorkbenchClient } from './types';

export { controlClient, createHttpTransport, createIpcTransport, RpcError };
export type { ControlClient, EventsClient, WorkbenchClient };
export type * from './contract';
export type { StreamEvent, StreamState, StreamStatus } from './events-client';

export type HostMode = 'desktop' | 'browser';

export interface Connection {
  mode: HostMode;
  /** The raw transport (untyped JSON in, JSON out). Prefer `control`. */
  client: WorkbenchClient;
  /** The same transport with every method typed (see contract.ts). */
  control: ControlClient;
  /** The engine's event stream; call `start()` once. */
  events: EventsClient;
}

const TOKEN_KEY = 'switchyard.token';

/**
 * Pick the transport for this page: the preload bridge inside Electron, else
 * HTTP to the headless host that served the page. Throws RpcError(NO_TOKEN)
 * when a browser page was opened without the session token.
 */
export function connect(win: Window = window): Connection {
  if (win.switchyard) {
    const client = createIpcTransport(win.switchyard);
    return {
      mode: 'desktop',
      client,
      control: controlClient(client),
      events: createIpcEventsClient(win.switchyard),
    };
  }
  const token = takeSessionToken(win);
  if (!token) {
    throw new RpcError('No session token. Open the workbench URL that `switchyard serve` printed (it ends in ?token=…).', {
      code: 'NO_TOKEN',
      status: 401,
    });
  }
  const client = createHttpTransport({ token });
  return {
    mode: 'browser',
    client,
    control: controlClient(client),
    events: createWebSocketEventsClient({ url: eventsUrl(win.location), token }),
  };
}

/**
 * Read `?token=` (Jupyter style), keep it for this tab in sessionStorage and
 * drop it from the address bar so it does not linger in history or screenshots.
 */
function takeSessionToken(win: Window): string | null {
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
      url.searchParams.delete('token');
      win.history.replaceState(win.history.state, '', url.pathname + url.search + url.hash);
    } catch {
      // Storage can be unavailable (privacy modes); the token still works for this page load.
    }
    return fromUrl;
  }
  try {
    return win.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}
