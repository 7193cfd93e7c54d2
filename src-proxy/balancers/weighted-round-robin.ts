import type { Balancer, BalancerTarget } from './balancer.js';
import { IdState, type IdEntry } from './id-state.js';

interface WrrEntry extends IdEntry {
  /** nginx's current_weight. */
  current: number;
}

/**
 * nginx's smooth weighted round-robin: every candidate's current weight grows
 * by its effective weight, the largest wins (first on ties) and is lowered by
 * the total. For weights 5,1,1 this yields a a b a c a a — interleaved rather
 * than bursty.
 *
 * State is keyed by target id, so it survives the allowed set changing between
 * calls (as nginx's does when a retry skips tried peers); ids unseen for a long
 * time are forgotten. Weight-0 targets are never picked unless every candidate
 * has weight 0, in which case all count as 1 (plain rotation).
 */
export class WeightedRoundRobinBalancer implements Balancer {
  private readonly state = new IdState<WrrEntry>(() => ({ seen: 0, current: 0 }));

  pick<T extends BalancerTarget>(targets: readonly T[]): T | undefined {
    return this.pickFirst(targets, targets.length);
  }

  /**
   * Like {@link pick} but only considers `targets[0..count)`. Lets other
   * balancers (least-connections) run the rotation over a reused scratch array
   * without allocating a subset per call.
   */
  pickFirst<T extends BalancerTarget>(targets: readonly T[], count: number): T | undefined {
    if (count <= 0) return undefined;
    const tick = this.state.begin();
    // Read each weight once: it may be a getter (slow start) that changes between reads.
    let total = 0;
    let best = -1;
    let bestEntry: WrrEntry | undefined;
    for (let i = 0; i < count; i++) {
      const t = targets[i]!;
      const e = this.state.get(t.id, tick);
      const w = t.weight;
      if (!(w > 0)) continue;
      e.current += w;
      total += w;
      if (bestEntry === undefined || e.current > bestEntry.current) {
        best = i;
        bestEntry = e;
      }
    }
    if (bestEntry === undefined) {
      // Every candidate has weight 0: rotate as if all weighed 1.
      for (let i = 0; i < count; i++) {
        const e = this.state.get(targets[i]!.id, tick);
        e.current += 1;
        if (bestEntry === undefined || e.current > bestEntry.current) {
          best = i;
          bestEntry = e;
        }
      }
      total = count;
    }
    bestEntry!.current -= total;
    return targets[best];
  }

  /** Number of ids with rotation state (for tests and diagnostics). */
  get trackedIds(): number {
    return this.state.size;
  }
}
