import type { Balancer, BalancerTarget, PickRequest } from './balancer.js';
import { FNV_OFFSET, fmix32, fnv1aSeparator, fnv1aUpdate, hashToUnit, normalizeIp } from './hash.js';

/**
 * Sticky by client IP via weighted rendezvous (highest-random-weight) hashing:
 * every target scores `-weight / ln(u)` where `u ∈ (0,1)` is a hash of
 * (client IP, target id); the highest score wins. A client keeps its target as
 * long as that target is allowed, and removing a target moves only the clients
 * that were on it (adding one takes a weight-proportional share from all).
 * Deterministic across instances and restarts. Weight-0 targets are skipped
 * unless all candidates have weight 0 (then all count as 1).
 *
 * Cost is O(targets) hashes of short strings plus one `Math.log` each, with no
 * allocation — fine for the handful of targets an upstream has.
 */
export class IpHashBalancer implements Balancer {
  pick<T extends BalancerTarget>(targets: readonly T[], request: PickRequest): T | undefined {
    return pickRendezvous(targets, normalizeIp(request.clientIp));
  }
}

/** Weighted rendezvous hashing of `key` over `targets` (shared helper). */
export function pickRendezvous<T extends BalancerTarget>(targets: readonly T[], key: string): T | undefined {
  const n = targets.length;
  if (n <= 1) return targets[0];

  let anyWeight = false;
  for (let i = 0; i < n; i++) {
    if (targets[i]!.weight > 0) {
      anyWeight = true;
      break;
    }
  }

  const keyState = fnv1aSeparator(fnv1aUpdate(FNV_OFFSET, key));
  let best = -1;
  let bestScore = -1;
  for (let i = 0; i < n; i++) {
    const t = targets[i]!;
    const w = anyWeight ? t.weight : 1;
    if (!(w > 0)) continue;
    const u = hashToUnit(fmix32(fnv1aUpdate(keyState, t.id)));
    const score = -w / Math.log(u); // ln(u) < 0, so score > 0
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return targets[best];
}
