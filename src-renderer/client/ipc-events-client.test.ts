import { describe, expect, it } from 'vitest';
import type { StreamEvent, StreamStatus } from './events-client';
import { createIpcEventsClient } from './ipc-events-client';

function fakeBridge() {
  let listener: ((batch: string) => void) | null = null;
  let subscriptions = 0;
  return {
    onEvents(l: (batch: string) => void) {
      listener = l;
      subscriptions += 1;
      return () => {
        listener = null;
      };
    },
    push: (text: string) => listener?.(text),
    get subscribed() {
      return listener !== null;
    },
    get subscriptions() {
      return subscriptions;
    },
  };
}

describe('createIpcEventsClient', () => {
  it('subscribes on start, delivers parsed batches, and unsubscribes on stop', () => {
    const bridge = fakeBridge();
    const client = createIpcEventsClient(bridge);
    const batches: (readonly StreamEvent[])[] = [];
    const states: StreamStatus['state'][] = [];
    client.subscribe((b) => batches.push(b));
    client.onStatus((s) => states.push(s.state));
    client.start();
    client.start();
    expect(bridge.subscriptions).toBe(1);
    bridge.push('[{"type":"dropped","count":3}]');
    bridge.push('not json');
    bridge.push('[]');
    expect(batches).toEqual([[{ type: 'dropped', count: 3 }]]);
    client.stop();
    expect(bridge.subscribed).toBe(false);
    expect(states).toEqual(['open', 'idle']);
  });

  it('reports a bridge that refuses the subscription as unavailable', () => {
    const client = createIpcEventsClient({
      onEvents() {
        throw new Error('no bridge');
      },
    });
    client.start();
    expect(client.status).toMatchObject({ state: 'unavailable', reason: 'Live events are not available: no bridge' });
  });
});
