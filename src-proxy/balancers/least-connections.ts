import type { Balancer, BalancerTarget } from './balancer.js';
import { WeightedRoundRobinBalancer } from './weighted-round-robin.js';

/**
 * nginx `least_conn`: the target with the fewest in-flight requests per unit
 * of weight wins (compared by cross-multiplication, `a.inflight * b.weight <
 * b.inflight * a.weight`, so no division). Ties are broken by smooth weighted
 * round-robin among the tied targets, so an idle upstream still gets a
 * weighted share. Weight-0 targets are skipped unless all candidates have
 * weight 0 (then all count as 1).
 */
export class LeastConnectionsBalancer implements Balancer {
  private readonly wrr = new WeightedRoundRobinBalancer();
  /** Reused scratch buffers: no per-pick allocation once warm. */
  private tied: BalancerTarget[] = [];
  private weights = new Float64Array(16);

  pick<T extends BalancerTarget>(targets: readonly T[]): T | undefined {
    const n = targets.length;
    if (n <= 1) return targets[0];
    if (this.weights.length < n) this.weights = new Float64Array(Math.max(n, this.weights.length * 2));
    // Read each weight once (it may be a slow-start getter that changes between reads).
    const weights = this.weights;
    let anyWeight = false;
    for (let i = 0; i < n; i++) {
      const w = targets[i]!.weight;
      if (w > 0) {
        weights[i] = w;
        anyWeight = true;
      } else {
        weights[i] = 0;
      }
    }
    if (!anyWeight) weights.fill(1, 0, n);

    let best = -1;
    let bestLoad = 0;
    let bestWeight = 1;
    let ties = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (w === 0) continue;
      const load = targets[i]!.inflight;
      if (best < 0) {
        best = i;
        bestLoad = load;
        bestWeight = w;
        ties = 1;
        continue;
      }
      const lhs = load * bestWeight;
      const rhs = bestLoad * w;
      if (lhs < rhs) {
        best = i;
        bestLoad = load;
        bestWeight = w;
        ties = 1;
      } else if (lhs === rhs) {
        ties++;
      }
    }
    if (ties === 1) return targets[best];

    // Collect the tied targets (all at or after `best`) and rotate among them.
    const tied = this.tied;
    let k = 0;
    for (let i = best; i < n; i++) {
      const w = weights[i]!;
      if (w === 0) continue;
      const t = targets[i]!;
      if (i === best || t.inflight * bestWeight === bestLoad * w) tied[k++] = t;
    }
    const chosen = this.wrr.pickFirst(tied, k) as T | undefined;
    for (let i = 0; i < k; i++) tied[i] = undefined as unknown as BalancerTarget; // don't pin old targets
    return chosen;
  }
}
