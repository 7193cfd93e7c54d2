/** Fakes for store tests: a scripted control client and an in-memory Storage. */
import type { ControlClient, ControlMethod } from '../client/contract';
import { createAppStore, type AppStore } from './index';

type Handler = (args: Record<string, unknown>) => unknown;

export interface FakeControl extends ControlClient {
  calls: { method: string; args: unknown }[];
  on(method: ControlMethod, handler: Handler): void;
}

export function fakeControl(handlers: Partial<Record<ControlMethod, Handler>> = {}): FakeControl {
  const table = new Map<string, Handler>(Object.entries(handlers) as [string, Handler][]);
  const calls: { method: string; args: unknown }[] = [];
  return {
    calls,
    on(method, handler) {
      table.set(method, handler);
    },
    async call(method: string, ...rest: unknown[]) {
      const args = (rest[0] ?? {}) as Record<string, unknown>;
      calls.push({ method, args });
      const h = table.get(method);
      if (!h) throw new Error(`no fake for ${method}`);
      return h(args);
    },
  } as FakeControl;
}

export class MemoryStorage implements Storage {
  private readonly map = new Map<string, string>();
  failWrites = false;
  get length() {
    return this.map.size;
  }
  clear() {
    this.map.clear();
  }
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
  setItem(key: string, value: string) {
    if (this.failWrites) throw new DOMException('quota', 'QuotaExceededError');
    this.map.set(key, String(value));
  }
}

export function testStore(control: ControlClient | null, storage: Storage | null = new MemoryStorage()): AppStore {
  return createAppStore({ control, storage, validateDelayMs: 50 });
}

/** Let pending promise callbacks run. */
export const flush = () => new Promise<void>((r) => setTimeout(r, 0));
