/**
 * Wiring, once per page: pick the transport, build the store, connect the
 * event stream, load what every view needs. Views never create clients.
 */
import { connect, type Connection } from '../client';
import { routeEvents } from '../live/event-router';
import { dashboardAggregator } from '../live/dashboard-aggregator';
import { createAppStore, type AppStore } from '../store';
import { describeError } from '../store/errors';

export interface Workbench {
  store: AppStore;
  connection: Connection | null;
  /** Start streaming and loading; returns the stop function (StrictMode-safe: start/stop/start works). */
  start(): () => void;
}

function safeLocalStorage(win: Window): Storage | null {
  try {
    const s = win.localStorage;
    s.getItem('switchyard.probe');
    return s;
  } catch {
    return null;
  }
}

export function createWorkbench(win: Window = window): Workbench {
  let connection: Connection | null = null;
  let connectError: { code: string; message: string } | null = null;
  try {
    connection = connect(win);
  } catch (err) {
    connectError = describeError(err);
  }
  const store = createAppStore({ control: connection?.control ?? null, storage: safeLocalStorage(win) });
  store.getState().setConnection(connection?.mode ?? null, connectError);

  let loaded = false;
  return {
    store,
    connection,
    start() {
      if (!connection) return () => undefined;
      const events = connection.events;
      const unroute = routeEvents(events, store);
      // The dashboard counts from page load, not from when its view is first opened.
      dashboardAggregator();
      events.start();
      if (!loaded) {
        loaded = true;
        void store.getState().loadAppInfo();
        void store.getState().loadWorkspace();
      }
      return () => {
        unroute();
        events.stop();
      };
    },
  };
}
