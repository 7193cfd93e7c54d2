/** outlierDetection.maxEjectionPercent: an integer percentage, 0–100, default 50; bad values are located. */
import { describe, expect, it } from 'vitest';
import { formatIssue } from './issues.js';
import { loadWorkspaceText } from './load.js';

const workspace = (outlier: string) =>
  `version: 1\nlisteners: [{ name: web, address: 127.0.0.1:0 }]\nupstreams:\n  u:\n    targets: [{ url: "http://127.0.0.1:1" }]\n    outlierDetection: ${outlier}\nroutes: [{ name: r, upstream: u }]\n`;
const load = (outlier: string) => loadWorkspaceText(workspace(outlier), 'w.yaml');
const errors = (outlier: string) => load(outlier).issues.filter((i) => i.severity === 'error').map(formatIssue);

describe('outlierDetection.maxEjectionPercent', () => {
  it('defaults to 50 and takes 0 and 100', () => {
    expect(load('{ consecutiveFailures: 2 }').plan!.upstreams.get('u')!.outlier).toEqual({ consecutiveFailures: 2, ejectForMs: 30_000, maxEjectionPercent: 50 });
    expect(load('{ maxEjectionPercent: 0 }').plan!.upstreams.get('u')!.outlier?.maxEjectionPercent).toBe(0);
    expect(load('{ maxEjectionPercent: 100 }').plan!.upstreams.get('u')!.outlier?.maxEjectionPercent).toBe(100);
  });

  it('refuses values outside 0–100, fractions and strings, at the value', () => {
    expect(errors('{ maxEjectionPercent: 101 }')).toEqual(['w.yaml:6:45 upstreams.u.outlierDetection.maxEjectionPercent: expected at most 100, got the number 101']);
    expect(errors('{ maxEjectionPercent: -1 }')).toEqual([expect.stringMatching(/^w\.yaml:6:45 upstreams\.u\.outlierDetection\.maxEjectionPercent: /)]);
    expect(errors('{ maxEjectionPercent: 12.5 }')).toEqual([expect.stringMatching(/^w\.yaml:6:45 .*integer/)]);
    expect(errors('{ maxEjectionPercent: "50%" }')).toEqual([expect.stringMatching(/^w\.yaml:6:45 /)]);
  });
});
