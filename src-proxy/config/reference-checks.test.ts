import { describe, expect, it } from 'vitest';
import { checkReferences } from './reference-checks.js';

const check = (input: unknown) => {
  const out: string[] = [];
  checkReferences(input, (path, message) => out.push(`${path.join('.')}: ${message}`));
  return out;
};

describe('checkReferences', () => {
  it('reads a tree the schema refused without throwing, skipping what is not a name', () => {
    expect(check(null)).toEqual([]);
    expect(check({ listeners: 'web', routes: { a: 1 }, upstreams: [], policies: 7 })).toEqual([]);
    expect(
      check({
        listeners: [{ name: 1 }, null, { name: 'web', redirectTo: 'tls' }],
        routes: [{ upstream: 'u', policies: [3, 'p'], listeners: ['web', 'other'] }, 'x', { name: ['r'], upstream: 5 }],
        upstreams: { v: {} },
        policies: { q: {} },
      }),
    ).toEqual([
      'listeners.2.redirectTo: redirectTo names listener "tls", which does not exist',
      'routes.0.listeners.1: routes[0] names listener "other", which does not exist',
      'routes.0.policies.1: routes[0] names policy "p", which is not defined under policies',
      'routes.0.upstream: routes[0] names upstream "u", which is not defined under upstreams',
    ]);
  });

  it('finds duplicate names, and takes only own keys for upstreams and policies', () => {
    expect(
      check({
        listeners: [{ name: 'a' }, { name: 'a' }],
        routes: [{ name: 'r', upstream: 'toString' }, { name: 'r', policies: ['constructor'] }],
        upstreams: {},
        policies: {},
      }),
    ).toEqual([
      'listeners.1.name: duplicate listener name "a"',
      'routes.1.name: duplicate route name "r"',
      'routes.0.upstream: route "r" names upstream "toString", which is not defined under upstreams',
      'routes.1.policies.0: route "r" names policy "constructor", which is not defined under policies',
    ]);
  });
});
