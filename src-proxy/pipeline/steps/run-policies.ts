/** Third step: the route's policies, in route order (each may answer, refuse, or wrap the response). */
import type { StepResult } from '../compose.js';
import type { Exchange } from '../exchange.js';

export function runPolicies(ex: Exchange, next: () => StepResult): StepResult {
  const names = ex.route!.policies;
  if (names.length === 0) return next();
  const policies = ex.state.policies;
  let i = 0;
  const step = (): StepResult => {
    while (i < names.length) {
      const policy = policies.get(names[i++]);
      // A policy without a runtime is one the engine does not enforce (compile warned about it).
      if (policy !== undefined) return policy.handle(ex, step);
    }
    return next();
  };
  return step();
}
