/**
 * The bridge contract between main, the preload script and the renderer. The
 * renderer imports this file with `import type` only; the single runtime value
 * (the channel name) is used by main and the preload.
 */

/** IPC channel that carries every control-service call. */
export const RPC_CHANNEL = 'switchyard:rpc';

/** RFC 9457 problem details, as the HTTP transport returns them. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
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
}
