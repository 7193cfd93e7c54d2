import { describe, expect, it } from 'vitest';
import { RpcError } from '../../client/types';
import { fakeControl, testStore } from '../test-helpers';

describe('settings slice (local CA)', () => {
  it('loads ca.info; an unknown method means unavailable, other failures are errors', async () => {
    const info = { path: '/d/ca/ca.crt', exists: false, subject: null, notAfter: null, fingerprint256: null, installHelp: 'x' };
    const ok = fakeControl();
    ok.on('ca.info', () => info);
    const store = testStore(ok);
    await store.getState().loadCaInfo();
    expect(store.getState()).toMatchObject({ caInfo: info, caStatus: 'ready' });

    const missing = fakeControl();
    missing.on('ca.info', () => {
      throw new RpcError('Unknown control method "ca.info".', { code: 'NOT_FOUND', status: 404 });
    });
    const s2 = testStore(missing);
    await s2.getState().loadCaInfo();
    expect(s2.getState()).toMatchObject({ caInfo: null, caStatus: 'unavailable', caError: null });

    const broken = testStore(fakeControl());
    await broken.getState().loadCaInfo();
    expect(broken.getState()).toMatchObject({ caStatus: 'error', caError: 'no fake for ca.info' });
  });
});
