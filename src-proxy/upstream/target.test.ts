import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { planOf, workspaceYaml } from '../../test/balancing/harness.js';
import type { HealthSource, Target } from './target.js';
import { Upstream } from './upstream.js';

interface Change {
  available: boolean;
  source: HealthSource;
  reason: string;
}

let upstreams: Upstream[] = [];
let changes: Change[] = [];

function upstreamOf(config: Record<string, unknown>, previous?: Upstream): Upstream {
  const plan = planOf(workspaceYaml(config)).upstreams.get('app')!;
  const u = new Upstream(plan, previous, (_t, available, source, reason) => changes.push({ available, source, reason }));
  upstreams.push(u);
  return u;
}

const EJECT = 1000;
const config = (targets: string[]) => ({
  balancer: 'round-robin',
  targets: targets.map((url) => ({ url })),
  // No cap: these tests follow one target's ejections, alone in its upstream.
  outlierDetection: { consecutiveFailures: 1, ejectFor: `${EJECT}ms`, maxEjectionPercent: 100 },
  slowStart: '10s',
});

/** The length of the ejection the last change reported, in ms. */
function lastEjection(): number {
  const m = /ejected for (\d+)ms/.exec(changes.at(-1)!.reason);
  if (!m) throw new Error(`not an ejection: ${changes.at(-1)!.reason}`);
  return Number(m[1]);
}

/** Ejects `t` once and lets the ejection run out; returns its length. */
function ejectAndRecover(t: Target): number {
  t.recordFailure('status 502');
  const ms = lastEjection();
  vi.advanceTimersByTime(ms);
  expect(t.available).toBe(true);
  return ms;
}

beforeEach(() => {
  vi.useFakeTimers();
  changes = [];
});
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(upstreams.map((u) => u.destroy()));
  upstreams = [];
});

describe('Target outlier ejection', () => {
  it('doubles up to 10× and stays at the cap for a target that keeps failing soon after each return', () => {
    const t = upstreamOf(config(['http://127.0.0.1:1'])).targets[0];
    const lengths: number[] = [];
    for (let i = 0; i < 5; i++) {
      lengths.push(ejectAndRecover(t));
      // Back for a little while, serving one success before failing again.
      vi.advanceTimersByTime(EJECT);
      t.recordSuccess();
    }
    expect(lengths).toEqual([1000, 2000, 4000, 8000, 10000]);
    // The sixth ejection still lasts 10×: the target has not been clean for 10 × ejectFor since it came back.
    expect(ejectAndRecover(t)).toBe(10000);
  });

  it('starts the doubling over after 10 × ejectFor without an ejection', () => {
    const t = upstreamOf(config(['http://127.0.0.1:1'])).targets[0];
    expect(ejectAndRecover(t)).toBe(1000);
    expect(ejectAndRecover(t)).toBe(2000);
    vi.advanceTimersByTime(10 * EJECT + 1);
    t.recordSuccess();
    expect(ejectAndRecover(t)).toBe(1000);
  });

  it('starts the doubling over after 10 × ejectFor without traffic too (no success in between)', () => {
    const t = upstreamOf(config(['http://127.0.0.1:1'])).targets[0];
    expect(ejectAndRecover(t)).toBe(1000);
    expect(ejectAndRecover(t)).toBe(2000);
    vi.advanceTimersByTime(10 * EJECT + 1);
    expect(ejectAndRecover(t)).toBe(1000);
    // Not after a shorter quiet spell.
    vi.advanceTimersByTime(5 * EJECT);
    expect(ejectAndRecover(t)).toBe(2000);
  });

  it('keeps an ejection (and its remaining time) across a re-apply that keeps the target', async () => {
    const first = upstreamOf(config(['http://127.0.0.1:1', 'http://127.0.0.1:2']));
    first.targets[0].recordFailure('status 502');
    expect(first.targets[0].available).toBe(false);
    vi.advanceTimersByTime(400);

    const second = upstreamOf(config(['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3']), first);
    await first.close();
    const kept = second.targets[0];
    expect(kept.available).toBe(false);
    expect(second.status()[0]).toMatchObject({ ejected: true, available: false });
    const picks = new Set(Array.from({ length: 6 }, () => second.choose(request, null)!.url));
    expect(picks.has(kept.url)).toBe(false);

    const before = changes.length;
    vi.advanceTimersByTime(600);
    expect(kept.available).toBe(true);
    expect(changes.slice(before)).toEqual([{ available: true, source: 'passive', reason: 'ejection ended' }]);
    // The next ejection of the same target is a repeat: twice as long.
    kept.recordFailure('status 502');
    expect(lastEjection()).toBe(2000);
  });

  it('keeps a slow-start ramp across a re-apply', () => {
    const first = upstreamOf(config(['http://127.0.0.1:1', 'http://127.0.0.1:2']));
    ejectAndRecover(first.targets[0]);
    expect(first.targets[0].weight).toBeCloseTo(0.1);
    vi.advanceTimersByTime(5000);
    const second = upstreamOf(config(['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3']), first);
    expect(second.targets[0].weight).toBeCloseTo(0.5);
    expect(second.targets[2].weight).toBe(1);
  });
});

const request = {
  clientIp: '127.0.0.1',
  header: () => undefined,
  cookie: () => undefined,
  query: () => undefined,
};

describe('Target health across a re-apply that drops a mechanism', () => {
  it('ends an ejection when outlier detection is removed', () => {
    const first = upstreamOf(config(['http://127.0.0.1:1']));
    first.targets[0].recordFailure('status 502');
    expect(first.targets[0].available).toBe(false);
    const second = upstreamOf({ targets: [{ url: 'http://127.0.0.1:1' }] }, first);
    expect(second.targets[0].available).toBe(true);
    expect(second.status()[0]).toMatchObject({ ejected: false, ejectedUntil: null });
  });
});
