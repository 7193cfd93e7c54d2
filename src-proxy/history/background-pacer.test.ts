import { describe, expect, it } from 'vitest';
import { BackgroundPacer } from './background-pacer.js';
import type { Contention } from './cpu-contention.js';

const options = { settleMs: 15, quietMs: 250, contendedShare: 0.02, unknownShare: 0.1, maxCreditMs: 25 };

/** Simulates batches every `every` ms and 20 ms steps whenever the pacer allows; returns the share of time spent on steps. */
function busyShareUnder(every: number, durationMs: number, contention: () => Contention = () => 'unknown'): number {
  const pacer = new BackgroundPacer(options, contention);
  let worked = 0;
  let nextBatch = 0;
  let now = 0;
  while (now < durationMs) {
    if (now >= nextBatch) {
      pacer.batchWritten(now);
      nextBatch += every;
    }
    const wait = pacer.delay(now);
    if (wait > 0) {
      now = Math.min(now + wait, nextBatch);
      continue;
    }
    pacer.spent(now, 20);
    worked += 20;
    now += 20;
  }
  return worked / durationMs;
}

describe('BackgroundPacer', () => {
  it('runs nothing right after a batch, so a burst is written first', () => {
    const pacer = new BackgroundPacer(options);
    pacer.batchWritten(1000);
    expect(pacer.delay(1000)).toBe(15);
    expect(pacer.delay(1010)).toBe(5);
    expect(pacer.delay(1015)).toBe(0);
  });

  it('while batches keep coming and contention cannot be seen, holds background work to its share of the time', () => {
    const share = busyShareUnder(50, 60_000);
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThanOrEqual(0.1 + 0.01);
  });

  it('while batches keep coming on contended cores, leaves the work only a sliver', () => {
    const share = busyShareUnder(50, 60_000, () => 'contended');
    expect(share).toBeGreaterThan(0.015);
    expect(share).toBeLessThanOrEqual(0.02 + 0.005);
  });

  it('while batches keep coming on idle cores, lets the work use the time between them', () => {
    // Batches every 50 ms, nothing for 15 ms after each: at most 35 ms in 50 for the steps.
    const share = busyShareUnder(50, 60_000, () => 'free');
    expect(share).toBeGreaterThan(0.5);
  });

  it('follows the contention as it changes', () => {
    let now: Contention = 'free';
    const pacer = new BackgroundPacer(options, () => now);
    pacer.batchWritten(0);
    pacer.spent(15, 45); // 20 ms over the credit
    expect(pacer.delay(60)).toBe(0); // free: the 45 ms that passed refilled it
    pacer.spent(60, 100); // 75 ms over, of which the 40 ms until the next batch refill 40
    now = 'contended';
    pacer.batchWritten(100);
    // Owed ~35 ms at 2% is almost 2 s; traffic turns quiet first, 250 ms after the batch.
    expect(pacer.delay(120)).toBe(230);
  });

  it('once traffic is quiet, runs flat out and does not charge for it', () => {
    const pacer = new BackgroundPacer(options);
    pacer.batchWritten(0);
    for (let now = 250; now < 10_000; now += 20) {
      expect(pacer.delay(now)).toBe(0);
      pacer.spent(now, 20);
    }
    // Busy again: the credit saved while quiet lets one step through at once.
    pacer.batchWritten(10_000);
    expect(pacer.delay(10_015)).toBe(0);
  });

  it('after an expensive step, waits until the credit is back or traffic turns quiet', () => {
    const pacer = new BackgroundPacer(options);
    pacer.batchWritten(0);
    pacer.spent(15, 125); // 25 ms of credit, 100 ms owed
    // 100 ms owed at a 10% share is 1 s, but traffic is quiet 250 ms after the batch.
    expect(pacer.delay(140)).toBe(110);
    pacer.batchWritten(240);
    expect(pacer.delay(300)).toBeGreaterThan(150);
  });
});
