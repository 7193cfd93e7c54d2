/**
 * The bridge contract between main, the preload script and the renderer. The
 * renderer imports this file with `import type` only; the runtime values
 * (the channel names) are used by main and the preload.
 */

/** IPC channel that carries every control-service call (invoke). */
export const RPC_CHANNEL = 'switchyard:rpc';
/** Renderer → main: start (`true`) or stop (`false`) this window's event stream. */
export const EVENTS_SUBSCRIBE_CHANNEL = 'switchyard:events:subscribe';
/** Main → renderer: one batch of engine events, a JSON array as text (as on the headless WebSocket). */
export const EVENTS_CHANNEL = 'switchyard:events';

/** RFC 9457 problem details, as the HTTP transport returns them (extension members included, e.g. a query error's `position`). */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  [extension: string]: unknown;
}

/**
 * What `switchyard:rpc` resolves to. Electron's `ipcRenderer.invoke` keeps only
 * the message of a thrown error, so failures travel as data and the renderer's
 * IPC transport turns them back into errors with their code.
 */
export type RpcEnvelope = { ok: true; value: unknown } | { ok: false; problem: ProblemDetails };

/** The one object the preload exposes as `window.switchyard`. */
export interface SwitchyardBridge {
  rpc(method: string, args?: unknown): Promise<RpcEnvelope>;
  /**
   * Receive the engine's events: `listener` gets each batch as JSON text (an
   * array of events, or `[{"type":"dropped","count":N}]`). Main starts
   * streaming to this window on the first listener and stops after the last
   * one is removed. Returns the function that removes `listener`.
   */
  onEvents(listener: (batch: string) => void): () => void;
}
