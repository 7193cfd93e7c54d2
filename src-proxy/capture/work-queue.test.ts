import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.js';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};
const tick = () => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('runs at most `slots` tasks at once, the rest in order as slots free up, also after a failure', async () => {
    const q = new WorkQueue(2, 100);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    const runs = gates.map((g, i) => q.run(10, () => (started.push(i), g.promise.then(() => i))));
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1].reject(new Error('boom'));
    await expect(runs[1]).rejects.toThrow('boom');
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0].resolve();
    gates[2].resolve();
    await tick();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    gates[3].resolve();
    gates[4].resolve();
    expect(await Promise.all([runs[0], runs[2], runs[3], runs[4]])).toEqual([0, 2, 3, 4]);
  });

  it('answers `full` without running the task when the waiting bytes would pass the bound (one waiter always fits)', async () => {
    const q = new WorkQueue(1, 100);
    const gate = deferred();
    let ran = 0;
    const task = () => (ran++, gate.promise.then(() => 'done'));
    const first = q.run(1000, task);
    const big = q.run(1000, task); // waits, alone, though larger than the bound
    const over = await q.run(1, task);
    expect(over).toBe('full');
    gate.resolve();
    expect(await Promise.all([first, big])).toEqual(['done', 'done']);
    expect(ran).toBe(2);
    // Drained: the bound applies afresh.
    expect(await q.run(60, task)).toBe('done');
  });
});
