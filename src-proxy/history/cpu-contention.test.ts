import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CpuContention } from './cpu-contention.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function statFile(text: string): { file: string; set: (text: string) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'schedstat-'));
  dirs.push(dir);
  const file = join(dir, 'schedstat');
  writeFileSync(file, text);
  return { file, set: (t) => writeFileSync(file, t) };
}
const MS = 1_000_000;

describe('CpuContention', () => {
  it('judges the time since the last sample by the share of it spent waiting for a CPU', () => {
    const stat = statFile(`${100 * MS} ${10 * MS} 50\n`);
    const probe = new CpuContention(stat.file);
    try {
      expect(probe.sample()).toBe('unknown'); // nothing judged yet
      stat.set(`${150 * MS} ${12 * MS} 60\n`); // ran 50 ms, waited 2
      expect(probe.sample()).toBe('free');
      stat.set(`${170 * MS} ${22 * MS} 70\n`); // ran 20 ms, waited 10
      expect(probe.sample()).toBe('contended');
      stat.set(`${171 * MS} ${22 * MS} 71\n`); // 1 ms: too little to judge, the verdict stands...
      expect(probe.sample()).toBe('contended');
      stat.set(`${190 * MS} ${22 * MS} 75\n`); // ...and the next sample covers the 20 ms since the last judged one
      expect(probe.sample()).toBe('free');
    } finally {
      probe.close();
    }
  });

  it('answers unknown where the counts never move (a kernel that keeps the file but not the statistics)', () => {
    const stat = statFile('0 0 0\n');
    const probe = new CpuContention(stat.file);
    try {
      for (let i = 0; i < 3; i++) expect(probe.sample()).toBe('unknown');
    } finally {
      probe.close();
    }
  });

  it('answers unknown where the statistics cannot be read', () => {
    expect(new CpuContention('/nonexistent/schedstat').sample()).toBe('unknown');
    const garbled = statFile('not numbers\n');
    expect(new CpuContention(garbled.file).sample()).toBe('unknown');
    const later = statFile(`${MS} 0 1\n`);
    const probe = new CpuContention(later.file);
    later.set('gone\n');
    expect(probe.sample()).toBe('unknown');
    later.set(`${100 * MS} 0 9\n`);
    expect(probe.sample()).toBe('unknown'); // closed for good after a bad read
  });

  it.runIf(existsSync('/proc/thread-self/schedstat'))('sees contention when more threads want to run than there are cores', async () => {
    const probe = new CpuContention();
    const spin = (ms: number): void => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const hogs = Array.from(
      { length: availableParallelism() * 2 },
      () => new Worker('const end = Date.now() + 5000; while (Date.now() < end);', { eval: true }),
    );
    try {
      await Promise.all(hogs.map((w) => new Promise((r) => w.once('online', r)))); // each is spinning from here
      probe.sample();
      spin(400);
      expect(probe.sample()).toBe('contended');
    } finally {
      await Promise.all(hogs.map((w) => w.terminate()));
      probe.close();
    }
  });
});
