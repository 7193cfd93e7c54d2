/**
 * At most `slots` tasks at once, and at most `maxWaitingBytes` of input
 * waiting for a slot. Capture decodes compressed bodies in zlib's thread pool
 * to mask them; without a bound, a burst of compression bombs holds a 16 MiB
 * output buffer each (gigabytes) and starves the pool's DNS and file work.
 */
export class WorkQueue {
  private running = 0;
  private waitingBytes = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly slots: number,
    private readonly maxWaitingBytes: number,
  ) {}

  /** The task's result, or `full` (the task never ran) when `bytes` more would not fit in the queue. */
  async run<T>(bytes: number, task: () => Promise<T>): Promise<T | 'full'> {
    if (this.running >= this.slots) {
      if (this.waiting.length > 0 && this.waitingBytes + bytes > this.maxWaitingBytes) return 'full';
      this.waitingBytes += bytes;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.waitingBytes -= bytes;
    } else this.running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, so `running` never drops below a waiting task's need.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.running--;
    }
  }
}
