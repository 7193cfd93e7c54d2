/**
 * Control methods for the HTTP cache: purge and stats over every running
 * `type: cache` policy (or the one named by `policy`).
 */
import { z } from 'zod';
import type { CacheStats, PurgeSelector } from '../cache/http-cache.js';
import { SwitchyardError } from '../errors.js';
import { CachePolicy } from '../policies/cache.js';
import { method, type ControlDeps } from './control-deps.js';

function cachePolicies(deps: ControlDeps, name: string | undefined): CachePolicy[] {
  const all = [...deps.engine.current().policies.values()].filter((p): p is CachePolicy => p instanceof CachePolicy);
  if (name === undefined) return all;
  const one = all.filter((p) => p.name === name);
  if (one.length === 0) throw new SwitchyardError('NOT_FOUND', `No running cache policy named "${name}".`);
  return one;
}

const purgeArgs = z.union([
  z.strictObject({ key: z.string().min(1), policy: z.string().optional() }),
  z.strictObject({ prefix: z.string().min(1), policy: z.string().optional() }),
  z.strictObject({ all: z.literal(true), policy: z.string().optional() }),
]);

export const cacheMethods = {
  'cache.purge': method(purgeArgs, (deps, args) => {
    const { policy, ...selector } = args;
    const purged: Record<string, number> = {};
    for (const p of cachePolicies(deps, policy)) purged[p.name] = p.purge(selector as PurgeSelector);
    return { purged: Object.values(purged).reduce((a, b) => a + b, 0), byPolicy: purged };
  }),
  'cache.stats': method(z.strictObject({ policy: z.string().optional() }), (deps, { policy }) => {
    const out: Record<string, CacheStats & { waiting: number }> = {};
    for (const p of cachePolicies(deps, policy)) out[p.name] = p.stats();
    return { policies: out };
  }),
};
