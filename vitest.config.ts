import { defineConfig } from 'vitest/config';

const include = ['src-proxy/**/*.test.ts', 'src-main/**/*.test.ts', 'src-renderer/**/*.test.{ts,tsx}', 'test/**/*.test.ts', 'bench/**/*.test.js'];
const exclude = ['node_modules/**', 'dist/**', 'out/**', 'e2e/**'];
/**
 * Files whose assertions need the machine's CPUs for themselves (`*.alone.test.ts`):
 * they run after every other file, one at a time. The kill -9 test checks that a
 * crash loses no more than the last batch interval; the history writer runs at
 * background priority (nice 19), so a CPU-heavy file beside it would starve it
 * and measure that file instead (docs/history.md, "How it is written").
 */
const alone = ['**/*.alone.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include,
          exclude: [...exclude, ...alone],
          // Integration tests run real servers and load loops; on a 2-core machine
          // two files at a time keeps timing-sensitive assertions honest.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: alone,
          exclude,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
