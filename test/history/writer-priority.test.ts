import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { History } from '../../src-proxy/history/history.js';
import { BACKGROUND_NICE, lowerThisThreadPriority } from '../../src-proxy/history/background-priority.js';
import { makeExchange, tempDir } from './fixtures.js';

/** The nice value in a /proc stat line (field 19; the command name may hold spaces and parentheses). */
function niceOf(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** Thread id → nice value, for every thread of this process. */
function threadNices(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(tid, niceOf(`/proc/self/task/${tid}/stat`));
    } catch {
      // the thread ended while we looked
    }
  }
  return out;
}

let cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('history writer priority', () => {
  it.runIf(process.platform === 'linux')('runs the writer and checkpoint threads at background priority and leaves every other thread as it was', async () => {
    const before = threadNices();
    const callerNice = niceOf('/proc/thread-self/stat');
    const t = tempDir();
    const history = await History.open({ dataDir: t.dir, batchIntervalMs: 10 });
    cleanups.push(t.cleanup, () => history.close());
    expect(history.record(makeExchange(1))).toBe(true);
    await history.flush();

    const after = threadNices();
    const lowered = [...after].filter(([tid, nice]) => nice === BACKGROUND_NICE && before.get(tid) !== BACKGROUND_NICE);
    expect(lowered).toHaveLength(2); // the writer and its checkpoint thread; the reader thread serves queries at normal priority
    expect(niceOf('/proc/thread-self/stat')).toBe(callerNice);
    for (const [tid, nice] of before) if (after.has(tid)) expect(after.get(tid)).toBe(nice);
  });

  it.runIf(process.platform === 'linux')('does nothing where the nice value belongs to the whole process', () => {
    const before = niceOf('/proc/thread-self/stat');
    expect(lowerThisThreadPriority('darwin')).toBe(false);
    expect(lowerThisThreadPriority('win32')).toBe(false);
    expect(niceOf('/proc/thread-self/stat')).toBe(before);
  });
});
