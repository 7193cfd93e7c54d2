/**
 * The IPC transport of the control service: `switchyard:rpc` calls and the
 * event-batch stream, both checked against the sending frame. Main answers
 * nothing itself: calls go to an `RpcForwarder` (the engine child, see
 * engine-bridge.ts) and batches come from a `BatchSource`. Takes `ipcMain` as
 * a parameter (no runtime import of Electron), so it is unit-tested with a fake.
 */
import { EVENTS_CHANNEL, EVENTS_SUBSCRIBE_CHANNEL, RPC_CHANNEL, type RpcEnvelope } from './api.js';
import type { BatchSource } from './engine-bridge.js';
import { rpcFailure } from './rpc-problems.js';

/** Anything that answers a control-service call by name with an envelope (value or RFC 9457 problem). */
export interface RpcForwarder {
  call(method: string, args: unknown): Promise<RpcEnvelope>;
}

/** The parts of Electron's IPC objects used here (Electron's own types satisfy them). */
export interface FrameLike {
  readonly url: string;
}
export interface SenderLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}
export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
}
export interface SendEventLike extends InvokeEventLike {
  readonly sender: SenderLike;
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: SendEventLike, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: SendEventLike, ...args: unknown[]) => void): unknown;
}

// Method names also become a URL path segment on the child: no `/`, `%` or `..`.
const METHOD_NAME = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*$/;

function trusted(event: InvokeEventLike, isTrustedFrame: (url: string) => boolean): { ok: boolean; url: string } {
  const url = event.senderFrame?.url ?? '';
  return { ok: url !== '' && isTrustedFrame(url), url };
}

/**
 * Route `switchyard:rpc` invocations to `service`. Every call is checked
 * against the URL of the frame that sent it, so a navigated-away, injected or
 * third-party frame cannot reach the engine even if it obtains the bridge.
 * Returns a function that removes the handler.
 */
export function registerControlIpc(ipc: IpcMainLike, service: RpcForwarder, isTrustedFrame: (url: string) => boolean): () => void {
  ipc.handle(RPC_CHANNEL, async (event, method, args): Promise<RpcEnvelope> => {
    const frame = trusted(event, isTrustedFrame);
    if (!frame.ok) {
      return rpcFailure(403, 'FORBIDDEN', 'Forbidden', `Calls from ${frame.url || 'an unknown frame'} are not accepted.`);
    }
    if (typeof method !== 'string' || method.length > 128 || !METHOD_NAME.test(method)) {
      return rpcFailure(400, 'BAD_REQUEST', 'Bad request', 'The method name is not valid.');
    }
    try {
      return await service.call(method, args);
    } catch (err) {
      // No internals leak to the page (as over HTTP).
      console.error('switchyard: control call failed:', err);
      return rpcFailure(500, 'INTERNAL', 'Internal error', 'The control call failed unexpectedly; see the app log.');
    }
  });
  return () => ipc.removeHandler(RPC_CHANNEL);
}

export interface EventsIpc {
  /** Windows currently receiving events. */
  readonly subscribers: number;
  /** Stop streaming and remove the listener. */
  close(): void;
}

/**
 * Stream `source`'s batches to every window that asks for them
 * (`switchyard:events:subscribe` true/false), as they come (the engine child
 * batches them, as for the headless WebSocket). Requests from untrusted
 * frames are ignored; a window that is destroyed (or reloads and subscribes
 * again) is dropped. `source` is listened to only while a window subscribes.
 */
export function registerEventsIpc(ipc: IpcMainLike, source: BatchSource, isTrustedFrame: (url: string) => boolean): EventsIpc {
  const senders = new Map<number, SenderLike>();
  let unsubscribe: (() => void) | null = null;

  const deliver = (batch: string) => {
    for (const [id, sender] of senders) {
      if (sender.isDestroyed()) remove(id);
      else sender.send(EVENTS_CHANNEL, batch);
    }
  };

  const remove = (id: number) => {
    if (!senders.delete(id) || senders.size > 0) return;
    unsubscribe?.();
    unsubscribe = null;
  };

  const onSubscribe = (event: SendEventLike, on: unknown) => {
    if (!trusted(event, isTrustedFrame).ok) return;
    const sender = event.sender;
    if (on !== true) return remove(sender.id);
    // A reload subscribes again: keep one entry per window, and the source's stream open.
    if (senders.has(sender.id)) return;
    senders.set(sender.id, sender);
    unsubscribe ??= source.on(deliver);
    sender.once('destroyed', () => {
      if (senders.get(sender.id) === sender) remove(sender.id);
    });
  };

  ipc.on(EVENTS_SUBSCRIBE_CHANNEL, onSubscribe);
  return {
    get subscribers() {
      return senders.size;
    },
    close() {
      ipc.removeListener(EVENTS_SUBSCRIBE_CHANNEL, onSubscribe);
      senders.clear();
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
