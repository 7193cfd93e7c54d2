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

  it('warns, at outlierDetection, when the cap allows no ejection at all', () => {
    const warnings = (outlier: string, targets = '[{ url: "http://127.0.0.1:1" }]') =>
      loadWorkspaceText(workspace(outlier).replace('[{ url: "http://127.0.0.1:1" }]', targets), 'w.yaml')
        .issues.filter((i) => i.severity === 'warning')
        .map(formatIssue);
    expect(warnings('{ consecutiveFailures: 2 }')).toEqual([
      'w.yaml:6:23 warning: outlierDetection never ejects: 50% of 1 target is less than one (raise maxEjectionPercent to 100 or more)',
    ]);
    const three = '[{ url: "http://127.0.0.1:1" }, { url: "http://127.0.0.1:2" }, { url: "http://127.0.0.1:3" }]';
    expect(warnings('{ maxEjectionPercent: 10 }', three)).toEqual([expect.stringContaining('10% of 3 targets is less than one (raise maxEjectionPercent to 34 or more)')]);
    expect(warnings('{ maxEjectionPercent: 34 }', three)).toEqual([]);
    expect(warnings('{ maxEjectionPercent: 100 }')).toEqual([]);
  });
});
