import { describe, expect, it } from 'vitest';
import { fakeControl, testStore } from '../test-helpers';

describe('export slice', () => {
  it('renders with the chosen target and secrets flag, keeping only the latest answer', async () => {
    const control = fakeControl();
    const pending: ((v: unknown) => void)[] = [];
    control.on('export.render', (args) => new Promise((r) => pending.push(() => r({ target: args.target, text: String(args.target), fileName: 'f', notes: [] }))));
    const store = testStore(control);
    const first = store.getState().renderExport();
    store.getState().setExportTarget('caddy');
    store.getState().setExportIncludeSecrets(true);
    const second = store.getState().renderExport();
    pending[1](undefined);
    await second;
    pending[0](undefined);
    await first;
    expect(store.getState().exportResult?.target).toBe('caddy');
    expect(control.calls.map((c) => c.args)).toEqual([
      { target: 'nginx', includeSecrets: false },
      { target: 'caddy', includeSecrets: true },
    ]);
  });

  it('records a failure and the disconnected case', async () => {
    const store = testStore(fakeControl());
    await store.getState().renderExport();
    expect(store.getState()).toMatchObject({ exportStatus: 'error', exportError: 'no fake for export.render' });
    const none = testStore(null);
    await none.getState().renderExport();
    expect(none.getState().exportError).toMatch(/Not connected/);
  });
});
