import { describe, expect, it } from 'vitest';
import { selectionForNode, selectionNodeId } from './designer/selectors';
import { streamLabel } from './connection/selectors';
import { fakeControl, testStore } from './test-helpers';
import { findTargetStatus, targetHealth } from './upstreams/selectors';
import { targetStatus as target } from './upstreams/test-fixtures';


describe('ui slice', () => {
  it('switches views and toggles the help overlay', () => {
    const store = testStore(null);
    expect(store.getState().activeView).toBe('routes');
    store.getState().setView('designer');
    store.getState().toggleHelp();
    expect(store.getState()).toMatchObject({ activeView: 'designer', helpOpen: true });
    store.getState().setHelpOpen(false);
    expect(store.getState().helpOpen).toBe(false);
  });
});

describe('connection slice', () => {
  it('tracks the event stream and dropped batches', () => {
    const store = testStore(null);
    store.getState().setStreamStatus({ state: 'reconnecting', attempt: 3, retryAt: 5, reason: 'closed' });
    expect(streamLabel(store.getState())).toBe('Reconnecting (attempt 3)');
    store.getState().addDropped(2);
    store.getState().addDropped(1);
    expect(store.getState().droppedEvents).toBe(3);
  });

  it('loads app info, or records why it could not', async () => {
    const ok = testStore(fakeControl({ 'app.info': () => ({ name: 'Switchyard', version: '9', dataDir: '/d', node: '20' }) }));
    await ok.getState().loadAppInfo();
    expect(ok.getState().appInfo?.version).toBe('9');
    const bad = testStore(fakeControl());
    await bad.getState().loadAppInfo();
    expect(bad.getState().connectError?.message).toMatch(/no fake/);
  });
});

describe('upstreams slice', () => {
  it('polls without overlapping requests', async () => {
    let release!: () => void;
    const control = fakeControl({
      'upstreams.status': () => new Promise((r) => (release = () => r({ pool: [target()] }))),
    });
    const store = testStore(control);
    const a = store.getState().refreshUpstreams();
    const b = store.getState().refreshUpstreams();
    expect(control.calls).toHaveLength(1);
    release();
    await Promise.all([a, b]);
    expect(store.getState().upstreamStatus.pool).toHaveLength(1);
    expect(store.getState().upstreamsUpdatedAt).not.toBeNull();
  });

  it('drains a target and refreshes', async () => {
    const control = fakeControl({ 'upstreams.setDrained': () => ({ ok: true }), 'upstreams.status': () => ({ pool: [target({ drained: true })] }) });
    const store = testStore(control);
    await store.getState().setDrained('pool', 'pool/http://127.0.0.1:9001', true);
    expect(control.calls.map((c) => c.method)).toEqual(['upstreams.setDrained', 'upstreams.status']);
    expect(control.calls[0].args).toEqual({ upstream: 'pool', target: 'pool/http://127.0.0.1:9001', drained: true });
  });

  it('maps draft targets to live status by position, then by origin', () => {
    const store = testStore(null);
    store.setState({ upstreamStatus: { pool: [target(), target({ url: 'http://127.0.0.1:9002', available: false })] } });
    const s = store.getState();
    expect(targetHealth(findTargetStatus(s, 'pool', 0, 'http://127.0.0.1:9001/'))).toBe('healthy');
    expect(targetHealth(findTargetStatus(s, 'pool', 0, 'http://127.0.0.1:9002'))).toBe('unhealthy');
    expect(targetHealth(findTargetStatus(s, 'pool', 5, 'http://127.0.0.1:9999'))).toBe('unknown');
    expect(targetHealth(findTargetStatus(s, 'nope', 0, 'http://127.0.0.1:9001'))).toBe('unknown');
    expect(targetHealth(target({ drained: true, available: false }))).toBe('drained');
    expect(targetHealth(target({ ejected: true, available: false }))).toBe('ejected');
  });
});

describe('designer slice', () => {
  it('selects and maps selections to graph nodes and back', () => {
    const store = testStore(null);
    store.getState().selectInDesigner({ kind: 'target', upstream: 'orders.v2', index: 1 });
    const id = selectionNodeId(store.getState().designerSelection);
    expect(id).toBe('target:orders.v2:1');
    expect(selectionForNode(id!)).toEqual({ kind: 'target', upstream: 'orders.v2', index: 1 });
    expect(selectionForNode('route:3')).toEqual({ kind: 'route', index: 3 });
    expect(selectionForNode('upstream:a-b')).toEqual({ kind: 'upstream', name: 'a-b' });
    expect(selectionNodeId({ kind: 'new-route' })).toBeNull();
  });
});
