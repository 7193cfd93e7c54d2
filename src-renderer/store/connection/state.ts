import type { AppInfo } from '../../client/contract';
import type { StreamStatus } from '../../client/events-client';

export type HostMode = 'desktop' | 'browser';

export interface ConnectionState {
  mode: HostMode | null;
  /** Why no host is reachable at all (e.g. the page was opened without its token). */
  connectError: { code: string; message: string } | null;
  appInfo: AppInfo | null;
  stream: StreamStatus;
  /** Event batches the host dropped because this page fell behind. */
  droppedEvents: number;
}

export const initialConnectionState: ConnectionState = {
  mode: null,
  connectError: null,
  appInfo: null,
  stream: { state: 'idle', attempt: 0, retryAt: null, reason: null },
  droppedEvents: 0,
};
