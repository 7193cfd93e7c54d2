/**
 * Where engine events go once they reach the page.
 *
 *  - Low-rate events change the main store: `config.applied` (reconcile the
 *    draft), `health.change` (refresh upstream status, throttled), `dropped`.
 *  - Every batch also goes, untouched, to the registered high-rate sinks:
 *    that is where the traffic buffer (inspector, dashboard) plugs in. They
 *    get whole batches and must not write exchanges into the main store.
 */
import type { EventsClient, StreamEvent } from '../client/events-client';
import type { AppStore } from '../store';
import { sharedTrafficBuffer } from './traffic-buffer';

export type TrafficSink = (batch: readonly StreamEvent[]) => void;

const sinks = new Set<TrafficSink>();

/** Register a consumer of raw event batches (the traffic buffer). Returns the unregister function. */
export function registerTrafficSink(sink: TrafficSink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

let sharedRegistered = false;
/** The inspector's buffer listens from startup, so the newest exchanges are there when the view opens. */
function ensureSharedBuffer(): void {
  if (sharedRegistered) return;
  sharedRegistered = true;
  registerTrafficSink(sharedTrafficBuffer().ingest);
}

export interface RouterOptions {
  /** Health changes arrive in bursts; upstream status is refetched at most this often. */
  healthRefreshMs?: number;
  /** For tests; defaults to the module registry. */
  sinks?: Set<TrafficSink>;
}

/** Connect an events client to the store and the sinks; returns the disconnect function. */
export function routeEvents(events: EventsClient, store: AppStore, opts: RouterOptions = {}): () => void {
  if (!opts.sinks) ensureSharedBuffer();
  const targets = opts.sinks ?? sinks;
  const healthMs = opts.healthRefreshMs ?? 250;
  let healthTimer: ReturnType<typeof setTimeout> | null = null;

  let wasOpen = events.status.state === 'open';
  const offStatus = events.onStatus((status) => {
    const reopened = status.state === 'open' && !wasOpen && store.getState().running !== null;
    wasOpen = status.state === 'open';
    store.getState().setStreamStatus(status);
    // Events were missed while disconnected (or the host restarted): catch up.
    if (reopened) {
      void store.getState().onConfigApplied();
      void store.getState().refreshUpstreams();
    }
  });
  store.getState().setStreamStatus(events.status);

  const offBatch = events.subscribe((batch) => {
    let generation: number | null = null;
    let health = false;
    let dropped = 0;
    for (const ev of batch) {
      switch (ev.type) {
        case 'config.applied':
          generation = ev.generation;
          break;
        case 'health.change':
          health = true;
          break;
        case 'dropped':
          dropped += ev.count;
          break;
        default:
          break;
      }
    }
    const state = store.getState();
    if (dropped > 0) state.addDropped(dropped);
    if (generation !== null) void state.onConfigApplied(generation);
    if (health && healthTimer === null) {
      healthTimer = setTimeout(() => {
        healthTimer = null;
        void store.getState().refreshUpstreams();
      }, healthMs);
    }
    for (const sink of targets) {
      try {
        sink(batch);
      } catch (err) {
        console.error('traffic sink failed', err);
      }
    }
  });

  return () => {
    offStatus();
    offBatch();
    if (healthTimer) clearTimeout(healthTimer);
  };
}
