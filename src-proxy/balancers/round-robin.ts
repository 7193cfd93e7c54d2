import type { Balancer, BalancerTarget } from './balancer.js';
import { IdState, type IdEntry } from './id-state.js';

interface RrEntry extends IdEntry {
  /** Pick counter value when this target was last chosen (0 = never). */
  lastPicked: number;
}

/**
 * Plain rotation that ignores weights (use weighted-round-robin to honour
 * them): each pick takes the allowed target that was chosen least recently,
 * ties going to array order. With a stable set that is exactly a, b, c, a, b,
 * c…
 *
 * Why not `counter % targets.length`: the allowed set changes between calls,
 * most often on a retry, which excludes the target that just failed. A counter
 * then locks into the alternation — with a, b, c and c failing, every retry
 * lands on b and b gets 3× a's traffic. Choosing by "least recently picked id"
 * stays fair under any set changes. Cost: one Map lookup per candidate, no
 * allocation.
 */
export class RoundRobinBalancer implements Balancer {
  private readonly state = new IdState<RrEntry>(() => ({ seen: 0, lastPicked: 0 }));

  pick<T extends BalancerTarget>(targets: readonly T[]): T | undefined {
    const n = targets.length;
    if (n === 0) return undefined;
    const tick = this.state.begin();
    let best = 0;
    let bestEntry = this.state.get(targets[0]!.id, tick);
    for (let i = 1; i < n; i++) {
      const e = this.state.get(targets[i]!.id, tick);
      if (e.lastPicked < bestEntry.lastPicked) {
        best = i;
        bestEntry = e;
      }
    }
    bestEntry.lastPicked = tick;
    return targets[best];
  }

  /** Number of ids with rotation state (for tests and diagnostics). */
  get trackedIds(): number {
    return this.state.size;
  }
}
