import { describe, expect, it } from 'vitest';
import type { RewritePlan } from '../config/plan.js';
import { rewritePath } from '../router/rewrite.js';
import { rewriteAsRegex } from './path-rewrite.js';

const rw = (over: Partial<RewritePlan>): RewritePlan => ({ stripPrefix: null, replacePrefix: null, regex: null, host: null, ...over });

/** Applies the exported regex rewrite the way Envoy/Traefik would (the patterns are anchored, so one replacement). */
function applyExported(plan: RewritePlan, path: string): string {
  const out = rewriteAsRegex(plan, (n) => `$${n}`);
  if ('problem' in out) throw new Error(out.problem);
  const re = new RegExp(out.pattern);
  return re.test(path) ? path.replace(re, out.replacement) : path;
}

describe('rewriteAsRegex', () => {
  const paths = ['/v2', '/v2/', '/v2/users', '/v2/users/7', '/v2x/users', '/other'];
  const cases: [string, RewritePlan][] = [
    ['stripPrefix /v2', rw({ stripPrefix: '/v2' })],
    ['stripPrefix /v2/', rw({ stripPrefix: '/v2/' })],
    ['replacePrefix /v2 → /v3', rw({ replacePrefix: { from: '/v2', to: '/v3' } })],
    ['replacePrefix /v2 → /api/', rw({ replacePrefix: { from: '/v2', to: '/api/' } })],
    ['replacePrefix /v2/users → /people', rw({ replacePrefix: { from: '/v2/users', to: '/people' } })],
    ['replacePrefix /v2/ → /api/', rw({ replacePrefix: { from: '/v2/', to: '/api/' } })],
  ];
  for (const [name, plan] of cases) {
    it(`${name} rewrites like Switchyard's rewritePath`, () => {
      for (const p of paths) expect(applyExported(plan, p), p).toBe(rewritePath(plan, p));
    });
  }

  it('an anchored regex rewrite is exact and keeps named groups as numbers', () => {
    const out = rewriteAsRegex(rw({ regex: { pattern: /^\/items\/(?<id>\d+)$/, replacement: '/catalog/$<id>' } }), (n) => `\\${n}`);
    expect(out).toEqual({ pattern: '^/items/(?P<id>\\d+)$', replacement: '/catalog/\\1', exact: true, detail: undefined });
  });

  it('an unanchored regex is approximated: engines replace every match', () => {
    const out = rewriteAsRegex(rw({ regex: { pattern: /old/, replacement: 'new' } }), (n) => `$${n}`);
    expect(out).toMatchObject({ exact: false });
  });

  it('refuses what RE2 cannot run and chains it cannot express', () => {
    expect(rewriteAsRegex(rw({ regex: { pattern: /^\/(?!admin)(.*)$/, replacement: '/$1' } }), String)).toEqual({ problem: expect.stringContaining('lookaround') });
    expect(rewriteAsRegex(rw({ stripPrefix: '/a', replacePrefix: { from: '/b', to: '/c' } }), String)).toEqual({ problem: expect.stringContaining('more than one') });
    expect(rewriteAsRegex(rw({ regex: { pattern: /^(a)$/, replacement: '$<nope>' } }), String)).toEqual({ problem: expect.stringContaining('names a group') });
  });
});
