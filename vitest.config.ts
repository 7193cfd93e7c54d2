import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src-proxy/**/*.test.ts', 'src-main/**/*.test.ts', 'src-renderer/**/*.test.{ts,tsx}', 'test/**/*.test.ts', 'bench/**/*.test.js'],
    exclude: ['node_modules/**', 'dist/**', 'out/**', 'e2e/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests run real servers and load loops; on a 2-core machine
    // two files at a time keeps timing-sensitive assertions honest.
    maxWorkers: 2,
  },
});
