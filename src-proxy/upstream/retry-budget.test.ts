import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';

/** Retries granted per second over `seconds` of steady traffic: `rps` requests a second, each trying to retry. */
function grantedPerSecond(ratio: number, rps: number, seconds: number): number[] {
  const budget = new RetryBudget(ratio);
  const perSecond: number[] = [];
  const start = 1_000_000;
  for (let s = 0; s < seconds; s++) {
    let granted = 0;
    for (let i = 0; i < rps; i++) {
      const now = start + s * 1000 + Math.floor((i * 1000) / rps);
      budget.recordRequest(now);
      if (budget.tryRetry(now)) granted++;
    }
    perSecond.push(granted);
  }
  return perSecond;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('RetryBudget', () => {
  it('grants the floor of 10 retries a second when the ratio allows none', () => {
    const granted = grantedPerSecond(0, 100, 20);
    expect(mean(granted.slice(2))).toBeCloseTo(10, 0);
    for (const g of granted.slice(2)) expect(g).toBeLessThanOrEqual(20);
  });

  it('grants ratio × requests plus the floor, per second', () => {
    expect(mean(grantedPerSecond(0.2, 100, 20).slice(2))).toBeCloseTo(30, 0);
    expect(mean(grantedPerSecond(0.5, 200, 20).slice(2))).toBeCloseTo(110, 0);
  });

  it('starts a fresh window after a quiet spell', () => {
    const budget = new RetryBudget(0);
    let granted = 0;
    for (let i = 0; i < 50; i++) if (budget.tryRetry(5_000 + i)) granted++;
    expect(granted).toBe(10);
    granted = 0;
    for (let i = 0; i < 50; i++) if (budget.tryRetry(60_000 + i)) granted++;
    expect(granted).toBe(10);
  });
});
