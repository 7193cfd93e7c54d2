import type { Balancer, BalancerOptions, BalancerTarget } from './balancer.js';

/**
 * Weighted random choice. Weight-0 targets are never chosen unless all
 * candidates have weight 0 (then the choice is uniform).
 */
export class RandomBalancer implements Balancer {
  private readonly random: () => number;

  constructor(options: BalancerOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  pick<T extends BalancerTarget>(targets: readonly T[]): T | undefined {
    const n = targets.length;
    if (n <= 1) return targets[0];
    const i = weightedIndex(targets, n, -1, this.random);
    return targets[i];
  }
}

/**
 * Index of a weighted-random choice among `targets[0..n)`, skipping index
 * `exclude` (pass -1 for none). Returns -1 only if nothing is eligible.
 * Weight-0 targets are eligible (uniformly) only when every eligible target
 * has weight 0. O(n), no allocation.
 */
export function weightedIndex(
  targets: readonly BalancerTarget[],
  n: number,
  exclude: number,
  random: () => number,
): number {
  let total = 0;
  let eligible = 0;
  for (let i = 0; i < n; i++) {
    if (i === exclude) continue;
    eligible++;
    const w = targets[i]!.weight;
    if (w > 0) total += w;
  }
  if (eligible === 0) return -1;
  const uniform = !(total > 0);
  if (uniform) total = eligible;

  let r = random() * total;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (i === exclude) continue;
    const w = uniform ? 1 : targets[i]!.weight;
    if (!(w > 0)) continue;
    last = i;
    r -= w;
    if (r < 0) return i;
  }
  return last; // floating-point rounding left r at ~0
}
