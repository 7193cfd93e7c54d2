import type { Balancer, BalancerOptions, BalancerTarget } from './balancer.js';
import { weightedIndex } from './random.js';

/**
 * Power of two choices: draw two distinct targets at random (weighted by
 * weight, the second without replacement) and send the request to the one
 * with fewer in-flight requests per unit of weight; on a tie the first draw
 * wins. Avoids herding onto a single "least loaded" target while still
 * steering away from busy ones. Weight-0 targets are only drawn when no
 * positive-weight target is left to draw.
 */
export class P2cBalancer implements Balancer {
  private readonly random: () => number;

  constructor(options: BalancerOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  pick<T extends BalancerTarget>(targets: readonly T[]): T | undefined {
    const n = targets.length;
    if (n <= 1) return targets[0];
    const i = weightedIndex(targets, n, -1, this.random);
    const a = targets[i]!;
    // A weight-0 first draw means every target has weight 0; otherwise only
    // positive-weight targets may be the second draw.
    const j = weightedIndex(targets, n, i, this.random);
    const b = targets[j]!;
    if (a.weight > 0 && !(b.weight > 0)) return a;
    const wa = a.weight > 0 ? a.weight : 1;
    const wb = b.weight > 0 ? b.weight : 1;
    return b.inflight * wa < a.inflight * wb ? b : a;
  }
}
