import { describe, expect, it, vi } from 'vitest';
import type { EngineEvent } from '../../src-proxy/events.js';
import { EVENTS_CHANNEL, EVENTS_SUBSCRIBE_CHANNEL, RPC_CHANNEL, type RpcEnvelope } from './api.js';
import { registerControlIpc, registerEventsIpc, type IpcMainLike, type SendEventLike, type SenderLike } from './ipc.js';

const TRUSTED = 'app://switchyard/index.html';
const isTrusted = (url: string) => url.startsWith('app://switchyard/');

/** ipcMain as far as ipc.ts uses it: handlers and listeners by channel. */
function fakeIpcMain() {
  const handlers = new Map<string, (event: never, ...args: unknown[]) => unknown>();
  const listeners = new Map<string, Set<(event: SendEventLike, ...args: unknown[]) => void>>();
  const ipc: IpcMainLike = {
    handle: (channel, l) => void handlers.set(channel, l as never),
    removeHandler: (channel) => void handlers.delete(channel),
    on: (channel, l) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(l)),
    removeListener: (channel, l) => listeners.get(channel)?.delete(l),
  };
  return {
    ipc,
    invoke: (url: string | null, ...args: unknown[]) =>
      handlers.get(RPC_CHANNEL)!({ senderFrame: url === null ? null : { url } } as never, ...args) as Promise<RpcEnvelope>,
    send: (channel: string, event: SendEventLike, ...args: unknown[]) => listeners.get(channel)?.forEach((l) => l(event, ...args)),
    hasHandler: () => handlers.has(RPC_CHANNEL),
    listenerCount: (channel: string) => listeners.get(channel)?.size ?? 0,
  };
}

function fakeSender(id: number) {
  const sent: unknown[][] = [];
  let destroyed = false;
  let onDestroyed: (() => void) | null = null;
  const sender: SenderLike = {
    id,
    send: (channel, ...args) => void sent.push([channel, ...args]),
    isDestroyed: () => destroyed,
    once: (_e, l) => (onDestroyed = l),
  };
  return {
    sender,
    sent,
    destroy() {
      destroyed = true;
      onDestroyed?.();
    },
  };
}

/** A batch source that records whether anyone listens. */
function fakeSource() {
  const listeners = new Set<(batch: string) => void>();
  return {
    on(l: (batch: string) => void) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    emit: (batch: string) => listeners.forEach((l) => l(batch)),
    get listening() {
      return listeners.size;
    },
  };
}

const health = (i: number): EngineEvent => ({ type: 'health.change', time: i, upstream: 'u', target: 't', healthy: true, wasHealthy: false, source: 'manual', reason: 'r' });

describe('registerControlIpc', () => {
  it('forwards calls from trusted frames and refuses others before forwarding', async () => {
    const fake = fakeIpcMain();
    const call = vi.fn(async (method: string, args: unknown): Promise<RpcEnvelope> => ({ ok: true, value: { method, args } }));
    const remove = registerControlIpc(fake.ipc, { call }, isTrusted);

    await expect(fake.invoke(TRUSTED, 'history.count', { query: 'x' })).resolves.toEqual({ ok: true, value: { method: 'history.count', args: { query: 'x' } } });
    for (const url of ['https://evil.example/', 'file:///tmp/x.html', '', null]) {
      const res = await fake.invoke(url, 'app.info', {});
      expect(res).toMatchObject({ ok: false, problem: { status: 403, code: 'FORBIDDEN' } });
    }
    // Method names become a URL path on the engine child: nothing that could leave /api/rpc/.
    for (const bad of ['../x', 'a/b', 'a%2Fb', 'x..y', 7]) {
      await expect(fake.invoke(TRUSTED, bad, {})).resolves.toMatchObject({ ok: false, problem: { status: 400, code: 'BAD_REQUEST' } });
    }
    expect(call).toHaveBeenCalledTimes(1);
    remove();
    expect(fake.hasHandler()).toBe(false);
  });

  it("passes the engine's problems through and hides unexpected failures", async () => {
    const fake = fakeIpcMain();
    const problem = { type: 'https://switchyard.dev/problems/bad-request', title: 'Bad request', status: 400, detail: 'unknown field "x"', code: 'BAD_REQUEST', position: 4 };
    registerControlIpc(
      fake.ipc,
      {
        call: async (method) => {
          if (method === 'history.search') return { ok: false, problem };
          throw new Error('secret internals at /home/me');
        },
      },
      isTrusted,
    );
    await expect(fake.invoke(TRUSTED, 'history.search', {})).resolves.toEqual({ ok: false, problem });
    const errSpy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const internal = await fake.invoke(TRUSTED, 'app.info', {});
    errSpy.mockRestore();
    expect(internal).toMatchObject({ ok: false, problem: { status: 500, code: 'INTERNAL' } });
    expect(JSON.stringify(internal)).not.toContain('/home/me');
  });
});

describe('registerEventsIpc', () => {
  it('forwards batches to trusted windows only, listening to the source only while one subscribes', () => {
    const fake = fakeIpcMain();
    const source = fakeSource();
    const events = registerEventsIpc(fake.ipc, source, isTrusted);
    const a = fakeSender(1);
    const b = fakeSender(2);
    const evil = fakeSender(3);
    expect(source.listening).toBe(0);
    fake.send(EVENTS_SUBSCRIBE_CHANNEL, { senderFrame: { url: TRUSTED }, sender: a.sender }, true);
    fake.send(EVENTS_SUBSCRIBE_CHANNEL, { senderFrame: { url: TRUSTED }, sender: b.sender }, true);
    fake.send(EVENTS_SUBSCRIBE_CHANNEL, { senderFrame: { url: 'https://evil.example/' }, sender: evil.sender }, true);
    expect(events.subscribers).toBe(2);
    expect(source.listening).toBe(1);

    // Batches go on as the same text, one message per batch.
    const batch = JSON.stringify([health(0), health(1)]);
    source.emit(batch);
    expect(a.sent).toEqual([[EVENTS_CHANNEL, batch]]);
    expect(b.sent).toEqual([[EVENTS_CHANNEL, batch]]);
    expect(evil.sent).toEqual([]);

    // Re-subscribing (a reload) neither duplicates nor reopens the source.
    fake.send(EVENTS_SUBSCRIBE_CHANNEL, { senderFrame: { url: TRUSTED }, sender: a.sender }, true);
    source.emit(batch);
    expect(a.sent).toHaveLength(2);
    expect(events.subscribers).toBe(2);
    fake.send(EVENTS_SUBSCRIBE_CHANNEL, { senderFrame: { url: TRUSTED }, sender: a.sender }, false);
    b.destroy();
    expect(events.subscribers).toBe(0);
    expect(source.listening).toBe(0);

    fake.send(EVENTS_SUBSCRIBE_CHANNEL, { senderFrame: { url: TRUSTED }, sender: a.sender }, true);
    expect(source.listening).toBe(1);
    events.close();
    expect(source.listening).toBe(0);
    expect(fake.listenerCount(EVENTS_SUBSCRIBE_CHANNEL)).toBe(0);
  });
});
