import type { StreamStatus } from '../../client/events-client';
import type { SliceCreator } from '../types';
import { describeError } from '../errors';
import { initialConnectionState, type ConnectionState, type HostMode } from './state';

export interface ConnectionActions {
  setConnection(mode: HostMode | null, connectError?: ConnectionState['connectError']): void;
  loadAppInfo(): Promise<void>;
  setStreamStatus(status: StreamStatus): void;
  addDropped(count: number): void;
}

export type ConnectionSlice = ConnectionState & ConnectionActions;

export const createConnectionSlice: SliceCreator<ConnectionSlice> = (set, _get, deps) => ({
  ...initialConnectionState,
  setConnection: (mode, connectError = null) => set({ mode, connectError }),
  async loadAppInfo() {
    if (!deps.control) return;
    try {
      set({ appInfo: await deps.control.call('app.info') });
    } catch (err) {
      set({ connectError: describeError(err) });
    }
  },
  setStreamStatus: (stream) => set({ stream }),
  addDropped: (count) => set((s) => ({ droppedEvents: s.droppedEvents + count })),
});
