/**
 * Sandboxed preload (bundled to CommonJS). It exposes exactly one function:
 * a call into the control service. No Node or Electron object crosses the
 * bridge, and main re-checks the sending frame on every call.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { RPC_CHANNEL, type RpcEnvelope, type SwitchyardBridge } from './api.js';

const bridge: SwitchyardBridge = {
  rpc: (method: string, args?: unknown): Promise<RpcEnvelope> => ipcRenderer.invoke(RPC_CHANNEL, method, args),
};

contextBridge.exposeInMainWorld('switchyard', bridge);
