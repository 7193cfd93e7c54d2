/**
 * Request collapsing: while one request (the leader) fetches a key from the
 * upstream, others for the same key wait for it instead of going upstream
 * too, then look the cache up again. The leader releases them as soon as the
 * outcome is known — at the response head when it will not be stored, at its
 * end when it was — and waiting is bounded (like nginx's proxy_cache_lock_timeout).
 */
export interface Lock {
  /** Idempotent. */
  release(): void;
}

export class Collapser {
  private readonly inflight = new Map<string, { done: Promise<void> }>();

  /** Requests waiting for a leader right now. */
  waiting = 0;

  constructor(private readonly timeoutMs: number) {}

  /** A lock when no one else is fetching `key`; otherwise null (then `wait`). */
  tryLead(key: string): Lock | null {
    if (this.inflight.has(key)) return null;
    let resolve!: () => void;
    const slot = { done: new Promise<void>((r) => (resolve = r)) };
    this.inflight.set(key, slot);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        if (this.inflight.get(key) === slot) this.inflight.delete(key);
        resolve();
      },
    };
  }

  /** Waits for the current leader of `key` to release, or for the timeout. */
  async wait(key: string): Promise<void> {
    const slot = this.inflight.get(key);
    if (slot === undefined) return;
    this.waiting++;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((r) => (timer = setTimeout(r, this.timeoutMs)));
    try {
      await Promise.race([slot.done, timedOut]);
    } finally {
      this.waiting--;
      clearTimeout(timer);
    }
  }
}
