import { describe, expect, it } from 'vitest';
import type { HealthTransition } from '../../live/dashboard-aggregator';
import { healthSegments } from './health-timeline';

const t = (time: number, healthy: boolean, reason = 'r', wasHealthy = !healthy): HealthTransition => ({ time, healthy, wasHealthy, source: 'active', reason });

describe('healthSegments', () => {
  it('uses the current status when nothing changed', () => {
    expect(healthSegments([], 0, 100, true)).toEqual([{ start: 0, end: 100, state: 'healthy', reason: null, source: null }]);
    expect(healthSegments([], 0, 100, null)[0].state).toBe('unknown');
  });

  it('starts from the last transition before the window and splits on changes', () => {
    const segs = healthSegments([t(-50, false, 'down'), t(40, true, 'up'), t(70, false, 'ejected')], 0, 100, false);
    expect(segs.map((s) => [s.start, s.end, s.state, s.reason])).toEqual([
      [0, 40, 'unhealthy', 'down'],
      [40, 70, 'healthy', 'up'],
      [70, 100, 'unhealthy', 'ejected'],
    ]);
  });

  it('takes the starting state from the first change inside the window', () => {
    const segs = healthSegments([t(30, false)], 0, 100, false);
    expect(segs.map((s) => s.state)).toEqual(['healthy', 'unhealthy']);
  });

  it('does not take a change that kept availability for a flip (a held-back ejection, a check failing on an ejected target)', () => {
    const held = healthSegments([t(30, true, 'not ejected: 1 of 2 targets already ejected', true)], 0, 100, true);
    expect(held.map((s) => [s.start, s.end, s.state])).toEqual([[0, 100, 'healthy']]);
    const stillDown = healthSegments([t(30, false, 'check failed', false), t(60, true, 'ejection ended')], 0, 100, true);
    expect(stillDown.map((s) => [s.start, s.end, s.state])).toEqual([
      [0, 60, 'unhealthy'],
      [60, 100, 'healthy'],
    ]);
  });

  it('merges transitions that do not change availability', () => {
    const segs = healthSegments([t(10, false, 'a'), t(20, false, 'b')], 0, 100, false);
    expect(segs).toHaveLength(2);
    expect(segs[1]).toMatchObject({ start: 10, state: 'unhealthy', reason: 'b' });
  });
});
