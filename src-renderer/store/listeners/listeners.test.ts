import { describe, expect, it } from 'vitest';
import { fakeControl, testStore } from '../test-helpers';

describe('listeners slice', () => {
  it('loads listeners.list, or records why it could not', async () => {
    const info = { name: 'web', mode: 'reverse', host: '127.0.0.1', port: 8080, url: 'http://127.0.0.1:8080', served: true };
    const ok = testStore(fakeControl({ 'listeners.list': () => [info] }));
    await ok.getState().refreshListeners();
    expect(ok.getState()).toMatchObject({ listenerList: [info], listenersStatus: 'ready', listenersError: null });
    const bad = testStore(fakeControl());
    await bad.getState().refreshListeners();
    expect(bad.getState().listenersStatus).toBe('error');
    const none = testStore(null);
    await none.getState().refreshListeners();
    expect(none.getState().listenersError).toMatch(/Not connected/);
  });
});

describe('dashboard slice', () => {
  it('keeps the window choice', () => {
    const store = testStore(null);
    expect(store.getState().dashboardWindow).toBe(60);
    store.getState().setDashboardWindow(900);
    expect(store.getState().dashboardWindow).toBe(900);
  });
});
