import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { RPC_CHANNEL, type ProblemDetails, type RpcEnvelope } from './api.js';

/** Anything that can answer a control-service call by name. */
export interface ControlCaller {
  call(method: string, args: unknown): Promise<unknown>;
}

const METHOD_NAME = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*$/;
const PROBLEM_BASE = 'https://switchyard.dev/problems/';

/**
 * Route `switchyard:rpc` invocations to `service`. Every call is checked
 * against the URL of the frame that sent it, so a navigated-away, injected or
 * third-party frame cannot reach the engine even if it obtains the bridge.
 * Returns a function that removes the handler.
 */
export function registerControlIpc(
  service: ControlCaller,
  isTrustedFrame: (url: string) => boolean,
): () => void {
  ipcMain.handle(RPC_CHANNEL, async (event: IpcMainInvokeEvent, method: unknown, args: unknown): Promise<RpcEnvelope> => {
    const frameUrl = event.senderFrame?.url ?? '';
    if (!frameUrl || !isTrustedFrame(frameUrl)) {
      return failure(403, 'FORBIDDEN', 'Forbidden', `Calls from ${frameUrl || 'an unknown frame'} are not accepted.`);
    }
    if (typeof method !== 'string' || method.length > 128 || !METHOD_NAME.test(method)) {
      return failure(400, 'BAD_REQUEST', 'Bad request', 'The method name is not valid.');
    }
    try {
      return { ok: true, value: await service.call(method, args) };
    } catch (err) {
      return { ok: false, problem: problemFrom(err) };
    }
  });
  return () => ipcMain.removeHandler(RPC_CHANNEL);
}

function failure(status: number, code: string, title: string, detail: string): RpcEnvelope {
  return { ok: false, problem: { type: PROBLEM_BASE + slug(code), title, status, detail, code } };
}

/**
 * Engine errors (SwitchyardError and friends) carry `code`, `status` and
 * `title`; keep them, so the renderer sees the same problem it would get over
 * HTTP. Anything else is an internal error.
 */
function problemFrom(err: unknown): ProblemDetails {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; status?: unknown; title?: unknown; message?: unknown; type?: unknown };
    if (typeof e.code === 'string' && typeof e.status === 'number') {
      const detail = typeof e.message === 'string' ? e.message : String(e.code);
      return {
        type: typeof e.type === 'string' ? e.type : PROBLEM_BASE + slug(e.code),
        title: typeof e.title === 'string' ? e.title : detail,
        status: e.status,
        detail,
        code: e.code,
      };
    }
  }
  const detail = err instanceof Error ? err.message : String(err);
  return { type: PROBLEM_BASE + 'internal', title: 'Internal error', status: 500, detail, code: 'INTERNAL' };
}

function slug(code: string): string {
  return code.toLowerCase().replaceAll('_', '-');
}
