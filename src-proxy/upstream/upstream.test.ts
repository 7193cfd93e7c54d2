/**
 * outlierDetection.maxEjectionPercent: Envoy's rule (always_eject_one_host
 * off) — a target is ejected only if the ejected share, itself included,
 * stays within the cap, counted over all targets, backups included.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { planOf, workspaceYaml } from '../../test/balancing/harness.js';
import type { HealthSource } from './target.js';
import { Upstream } from './upstream.js';

interface Change {
  target: string;
  available: boolean;
  source: HealthSource;
  reason: string;
}

let upstreams: Upstream[] = [];
let changes: Change[] = [];

const EJECT = 1000;

function upstreamOf(targets: number, outlier: Record<string, unknown>, backups = 0): Upstream {
  const config = {
    balancer: 'round-robin',
    targets: Array.from({ length: targets + backups }, (_, i) => ({ url: `http://127.0.0.1:${i + 1}`, backup: i >= targets })),
    outlierDetection: { consecutiveFailures: 2, ejectFor: `${EJECT}ms`, ...outlier },
  };
  const plan = planOf(workspaceYaml(config)).upstreams.get('app')!;
  const u = new Upstream(plan, undefined, (t, available, source, reason) => changes.push({ target: t.url, available, source, reason }));
  upstreams.push(u);
  return u;
}

/** Fails every target `times` times, round after round (as a balancer spreads a partial outage). */
function failAll(u: Upstream, times: number): void {
  for (let i = 0; i < times; i++) for (const t of u.targets) t.recordFailure('status 502');
}

const ejected = (u: Upstream) => u.status().filter((s) => s.ejected).map((s) => s.url);

beforeEach(() => {
  vi.useFakeTimers();
  changes = [];
});
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(upstreams.map((u) => u.destroy()));
  upstreams = [];
});

describe('Upstream: maxEjectionPercent', () => {
  it('ejects only one of two failing targets with the default 50%, and says why the other stays', () => {
    const u = upstreamOf(2, {});
    expect(u.plan.outlier?.maxEjectionPercent).toBe(50);
    failAll(u, 5);
    expect(ejected(u)).toEqual(['http://127.0.0.1:1']);
    expect(u.targets[1].available).toBe(true);
    // One report at the threshold crossing, none for the three failures after it.
    const refusals = changes.filter((c) => c.reason.startsWith('not ejected'));
    expect(refusals).toEqual([
      {
        target: 'http://127.0.0.1:2',
        available: true,
        source: 'passive',
        reason: 'not ejected: 1 of 2 targets already ejected (maxEjectionPercent 50) after 2 consecutive failures (status 502)',
      },
    ]);
  });

  it('with 100%, ejects all three failing targets', () => {
    const u = upstreamOf(3, { maxEjectionPercent: 100 });
    failAll(u, 2);
    expect(ejected(u)).toHaveLength(3);
    expect(changes.every((c) => !c.reason.startsWith('not ejected'))).toBe(true);
    expect(u.noTargetDetail()).toBe('Upstream "app" has no healthy target: 3 of 3 ejected by outlier detection.');
  });

  it('never ejects a lone target under the default 50% (Envoy: 1 of 1 is 100%), but does at 100%', () => {
    const capped = upstreamOf(1, {});
    failAll(capped, 4);
    expect(ejected(capped)).toEqual([]);
    expect(changes.map((c) => c.reason)).toEqual([
      'not ejected: 0 of 1 targets already ejected (maxEjectionPercent 50) after 2 consecutive failures (status 502)',
    ]);
    const open = upstreamOf(1, { maxEjectionPercent: 100 });
    failAll(open, 2);
    expect(ejected(open)).toEqual(['http://127.0.0.1:1']);
  });

  it('0% turns ejection off', () => {
    const u = upstreamOf(4, { maxEjectionPercent: 0 });
    failAll(u, 3);
    expect(ejected(u)).toEqual([]);
    expect(changes.filter((c) => c.reason.startsWith('not ejected'))).toHaveLength(4);
  });

  it('counts backups with primaries: 2 primaries + 2 backups at 50% allow two ejections', () => {
    const u = upstreamOf(2, {}, 2);
    failAll(u, 2);
    expect(ejected(u)).toEqual(['http://127.0.0.1:1', 'http://127.0.0.1:2']);
    // Both primaries out: traffic goes to the backups, which may not be ejected now.
    expect(u.choose(request, null)?.backup).toBe(true);
  });

  it('ejects a capped target at its next failure after a slot frees up, not before', () => {
    const u = upstreamOf(2, {});
    const [first, second] = u.targets;
    failAll(u, 2);
    expect(ejected(u)).toEqual([first.url]);
    // Still capped: more failures of the second target change nothing.
    second.recordFailure('status 502');
    expect(second.available).toBe(true);
    vi.advanceTimersByTime(EJECT);
    expect(first.available).toBe(true);
    // The slot is free, but ejection happens only on a failure.
    expect(second.available).toBe(true);
    second.recordFailure('status 502');
    expect(second.available).toBe(false);
    expect(changes.at(-1)!.reason).toBe('ejected for 1000ms after 4 consecutive failures (status 502)');
    // And now the first target is the one held back, reported afresh for its new crossing.
    first.recordFailure('status 502');
    first.recordFailure('status 502');
    expect(first.available).toBe(true);
    expect(changes.at(-1)!.reason).toMatch(/^not ejected: 1 of 2 targets already ejected \(maxEjectionPercent 50\)/);
  });

  it('reports again after a success resets the count and the threshold is crossed anew', () => {
    const u = upstreamOf(2, {});
    const [first, second] = u.targets;
    failAll(u, 2);
    second.recordSuccess();
    second.recordFailure('status 502');
    second.recordFailure('status 502');
    expect(changes.filter((c) => c.target === second.url && c.reason.startsWith('not ejected'))).toHaveLength(2);
    expect(first.available).toBe(false);
  });

  it('keeps ejections across a re-apply and counts them against the new upstream\'s cap', async () => {
    const first = upstreamOf(2, {});
    failAll(first, 2);
    expect(ejected(first)).toEqual(['http://127.0.0.1:1']);
    const plan = planOf(
      workspaceYaml({
        balancer: 'round-robin',
        targets: [1, 2, 3].map((p) => ({ url: `http://127.0.0.1:${p}` })),
        outlierDetection: { consecutiveFailures: 2, ejectFor: `${EJECT}ms` },
      }),
    ).upstreams.get('app')!;
    const second = new Upstream(plan, first, (t, available, source, reason) => changes.push({ target: t.url, available, source, reason }));
    upstreams.push(second);
    await first.close();
    expect(ejected(second)).toEqual(['http://127.0.0.1:1']);
    // 1 of 3 is out; a second would make 2 of 3 (67%) > 50%.
    second.targets[2].recordFailure('status 502');
    second.targets[2].recordFailure('status 502');
    expect(second.targets[2].available).toBe(true);
    expect(changes.at(-1)!.reason).toMatch(/^not ejected: 1 of 3 targets already ejected/);
  });
});

const request = {
  clientIp: '127.0.0.1',
  header: () => undefined,
  cookie: () => undefined,
  query: () => undefined,
};
