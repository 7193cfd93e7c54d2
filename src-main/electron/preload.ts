/**
 * Sandboxed preload (bundled to CommonJS). It exposes exactly the bridge
 * contract: a call into the control service and the event-batch
 * subscription. No Node or Electron object crosses the bridge (listeners get
 * plain strings), and main re-checks the sending frame on every message.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENTS_CHANNEL, EVENTS_SUBSCRIBE_CHANNEL, RPC_CHANNEL, type RpcEnvelope, type SwitchyardBridge } from './api.js';

const listeners = new Set<(batch: string) => void>();

function onBatch(_event: IpcRendererEvent, batch: unknown): void {
  if (typeof batch !== 'string') return;
  for (const l of listeners) l(batch);
}

const bridge: SwitchyardBridge = {
  rpc: (method: string, args?: unknown): Promise<RpcEnvelope> => ipcRenderer.invoke(RPC_CHANNEL, method, args),
  onEvents(listener) {
    if (typeof listener !== 'function') throw new TypeError('onEvents needs a function');
    if (listeners.size === 0) {
      ipcRenderer.on(EVENTS_CHANNEL, onBatch);
      ipcRenderer.send(EVENTS_SUBSCRIBE_CHANNEL, true);
    }
    listeners.add(listener);
    return () => {
      if (!listeners.delete(listener) || listeners.size > 0) return;
      ipcRenderer.removeListener(EVENTS_CHANNEL, onBatch);
      ipcRenderer.send(EVENTS_SUBSCRIBE_CHANNEL, false);
    };
  },
};

contextBridge.exposeInMainWorld('switchyard', bridge);
