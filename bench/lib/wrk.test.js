// The wrk report parser, on real wrk 4.1 output captured on this project's
// bench machine (fixtures/): one clean run, one with non-2xx and socket errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseWrk } from './wrk.js';

const fixture = (name) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseWrk', () => {
  it('reads throughput and the latency distribution, converting units to ms', () => {
    const r = parseWrk(fixture('wrk-latency.txt'));
    expect(r.threads).toBe(1);
    expect(r.connections).toBe(64);
    expect(r.requestsPerSec).toBe(214495.02);
    expect(r.requests).toBe(664787);
    expect(r.durationMs).toBe(3100);
    expect(r.percentiles).toEqual({ p50: 0.141, p75: 0.148, p90: 0.261, p99: 0.349 });
    expect(r.latency).toEqual({ avgMs: 0.1617, stdevMs: 0.07188, maxMs: 2.46, withinStdevPct: 87.94 });
    expect(r.reqPerThread.avg).toBe(215490);
    expect(r.bytesRead).toBeCloseTo(739.87 * 1024 * 1024, 0);
    expect(r.errors).toBe(0);
  });

  it('counts non-2xx responses and socket errors', () => {
    const r = parseWrk(fixture('wrk-errors.txt'));
    expect(r.requestsPerSec).toBe(51538.94);
    expect(r.percentiles.p99).toBe(3.95);
    expect(r.non2xx3xx).toBe(108241);
    expect(r.socketErrors).toEqual({ connect: 0, read: 216, write: 0, timeout: 0 });
    expect(r.errors).toBe(108241 + 216);
  });

  it('rejects output without a result', () => {
    expect(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused\n')).toThrow(/unexpected output/);
  });
});

describe('parseDurationMs', () => {
  it('handles every unit wrk prints', () => {
    expect(parseDurationMs('250.00us')).toBe(0.25);
    expect(parseDurationMs('1.50ms')).toBe(1.5);
    expect(parseDurationMs('2.00s')).toBe(2000);
    expect(parseDurationMs('1.00m')).toBe(60000);
  });
});
