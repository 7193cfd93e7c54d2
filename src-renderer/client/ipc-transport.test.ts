import { describe, expect, it, vi } from 'vitest';
import type { SwitchyardBridge } from '../../src-main/electron/api';
import { createIpcTransport } from './ipc-transport';
import { RpcError } from './types';

describe('createIpcTransport', () => {
  it('passes method and arguments to the bridge and unwraps the value', async () => {
    const rpc = vi.fn<SwitchyardBridge['rpc']>(async () => ({ ok: true, value: { version: '0.1.0' } }));
    await expect(createIpcTransport({ rpc }).call('app.info', { a: 1 })).resolves.toEqual({ version: '0.1.0' });
    expect(rpc).toHaveBeenCalledWith('app.info', { a: 1 });
  });

  it('turns a problem envelope into an RpcError with its code', async () => {
    const rpc = vi.fn<SwitchyardBridge['rpc']>(async () => ({
      ok: false,
      problem: { type: 'https://switchyard.dev/problems/forbidden', title: 'Forbidden', status: 403, detail: 'untrusted frame', code: 'FORBIDDEN' },
    }));
    const err = await createIpcTransport({ rpc }).call('app.info').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: 'FORBIDDEN', status: 403, message: 'untrusted frame' });
  });

  it('wraps a rejected invoke as IPC_ERROR', async () => {
    const rpc = vi.fn<SwitchyardBridge['rpc']>(async () => {
      throw new Error('No handler registered');
    });
    const err = await createIpcTransport({ rpc }).call('app.info').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IPC_ERROR', status: 0 });
  });
});

describe('problem extension members', () => {
  it('keeps them on the RpcError (a query error says where)', async () => {
    const rpc = vi.fn<SwitchyardBridge['rpc']>(async () => ({
      ok: false,
      problem: { type: 'https://switchyard.dev/problems/bad-request', title: 'Bad request', status: 400, detail: 'unknown field', code: 'BAD_REQUEST', position: 7, length: 3 },
    }));
    const err = await createIpcTransport({ rpc }).call('history.search').catch((e: unknown) => e);
    expect((err as RpcError).extensions).toEqual({ position: 7, length: 3 });
  });
});
