import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, parseDuration, parseSize, SIZE_PATTERN } from './units.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['0ms', 0],
    ['2s', 2_000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['1.5s', 1_500],
    ['0.25m', 15_000],
    ['90s', 90_000],
    ['0.4ms', 0], // rounded to whole milliseconds
    ['2.5ms', 3],
  ])('%s = %i ms', (text, ms) => {
    expect(DURATION_PATTERN.test(text)).toBe(true);
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['2', '2 s', ' 2s', '2s ', '-1s', '+1s', '1S', '1sec', 'ms', '', '.5s', '1.s', '1e3ms'])('rejects %j', (text) => {
    expect(DURATION_PATTERN.test(text)).toBe(false);
    expect(() => parseDuration(text)).toThrow(`"${text}" is not a duration (use e.g. 500ms, 2s, 1m)`);
  });
});

describe('parseSize', () => {
  it.each([
    ['0B', 0],
    ['512B', 512],
    ['64KB', 64 * 1024],
    ['1.5KB', 1536],
    ['50MB', 50 * 1024 ** 2],
    ['1GB', 1024 ** 3],
    ['2GB', 2 * 1024 ** 3],
  ])('%s = %i bytes (binary multiples)', (text, bytes) => {
    expect(SIZE_PATTERN.test(text)).toBe(true);
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['64', '64kb', '64Kb', '64K', '64 KB', '1TB', '-1KB', 'KB', ''])('rejects %j', (text) => {
    expect(SIZE_PATTERN.test(text)).toBe(false);
    expect(() => parseSize(text)).toThrow(`"${text}" is not a size (use e.g. 512B, 64KB, 50MB)`);
  });
});
