import type { SwitchyardBridge } from '../../src-main/electron/api';
import { errorFromProblem, RpcError, type WorkbenchClient } from './types';

/** Calls through the preload bridge (`window.switchyard`) in the desktop app. */
export function createIpcTransport(bridge: Pick<SwitchyardBridge, 'rpc'>): WorkbenchClient {
  return {
    async call(method, args) {
      let envelope;
      try {
        envelope = await bridge.rpc(method, args);
      } catch (err) {
        throw new RpcError(`IPC call failed: ${err instanceof Error ? err.message : String(err)}`, {
          code: 'IPC_ERROR',
          status: 0,
          cause: err,
        });
      }
      if (envelope.ok) return envelope.value;
      throw errorFromProblem({ ...envelope.problem }, envelope.problem.status, 'INTERNAL');
    },
  };
}
