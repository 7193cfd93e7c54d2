/**
 * The engine's event stream in the desktop app: batches arrive from main
 * through the preload bridge (`window.switchyard.onEvents`) as JSON text,
 * the same arrays the headless WebSocket sends.
 */
import type { SwitchyardBridge } from '../../src-main/electron/api';
import type { BatchListener, EventsClient, StreamEvent, StreamStatus } from './events-client';

export function createIpcEventsClient(bridge: Pick<SwitchyardBridge, 'onEvents'>): EventsClient {
  const batchListeners = new Set<BatchListener>();
  const statusListeners = new Set<(s: StreamStatus) => void>();
  let unsubscribe: (() => void) | null = null;
  let status: StreamStatus = { state: 'idle', attempt: 0, retryAt: null, reason: null };

  const client: EventsClient = {
    get status() {
      return status;
    },
    start() {
      if (unsubscribe) return;
      try {
        unsubscribe = bridge.onEvents(deliver);
        setStatus({ state: 'open', attempt: 0, retryAt: null, reason: null });
      } catch (err) {
        setStatus({ state: 'unavailable', attempt: 0, retryAt: null, reason: `Live events are not available: ${err instanceof Error ? err.message : String(err)}` });
      }
    },
    stop() {
      unsubscribe?.();
      unsubscribe = null;
      setStatus({ state: 'idle', attempt: 0, retryAt: null, reason: null });
    },
    subscribe(listener) {
      batchListeners.add(listener);
      return () => batchListeners.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
  };

  function setStatus(next: StreamStatus) {
    status = next;
    for (const l of statusListeners) l(next);
  }

  function deliver(text: string) {
    let batch: unknown;
    try {
      batch = JSON.parse(text);
    } catch {
      return;
    }
    if (!Array.isArray(batch) || batch.length === 0) return;
    for (const l of batchListeners) {
      try {
        l(batch as StreamEvent[]);
      } catch (err) {
        // One broken consumer must not starve the others.
        console.error('events listener failed', err);
      }
    }
  }

  return client;
}
