/**
 * outlierDetection.maxEjectionPercent in exports: Envoy has the same setting
 * (and the same rule); nginx, HAProxy, Caddy, Traefik and Kong can take every
 * server out, so they report a cap below 100 as not translated — and only then.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderExport } from './index.js';
import { notesAbout, planOf } from './test-workspace.js';

const workspace = (outlier: string) => `
version: 1
listeners: [{ name: web, address: 127.0.0.1:8080 }]
routes: [{ name: all, match: { path: / }, upstream: app }]
upstreams:
  app:
    targets: [{ url: http://127.0.0.1:9001 }, { url: http://127.0.0.1:9002 }, { url: http://127.0.0.1:9003, backup: true }]
    outlierDetection: ${outlier}
`;

function envoyOutlier(outlier: string): Record<string, unknown> {
  const config = parse(renderExport(planOf(workspace(outlier)), 'envoy').text) as { static_resources: { clusters: { outlier_detection: Record<string, unknown> }[] } };
  return config.static_resources.clusters[0].outlier_detection;
}

describe('maxEjectionPercent export', () => {
  it('Envoy: max_ejection_percent carries the value (default 50, not Envoy\'s 10)', () => {
    expect(envoyOutlier('{ consecutiveFailures: 3 }')).toMatchObject({ consecutive_5xx: 3, max_ejection_percent: 50 });
    expect(envoyOutlier('{ maxEjectionPercent: 0 }').max_ejection_percent).toBe(0);
    expect(envoyOutlier('{ maxEjectionPercent: 100 }').max_ejection_percent).toBe(100);
    // always_eject_one_host stays off, as in Switchyard.
    expect(envoyOutlier('{ maxEjectionPercent: 30 }')).not.toHaveProperty('always_eject_one_host');
  });

  for (const [target, engine] of [
    ['nginx', 'nginx'],
    ['haproxy', 'HAProxy'],
    ['caddy', 'Caddy'],
    ['traefik', 'Traefik'],
    ['kong', 'Kong'],
  ] as const) {
    it(`${engine}: a cap below 100 is reported as not translated; 100 is not reported`, () => {
      const capped = renderExport(planOf(workspace('{ maxEjectionPercent: 30 }')), target);
      expect(notesAbout(capped, 'upstream app: outlierDetection.maxEjectionPercent')).toEqual([
        `unsupported: ${engine} has no cap on how many servers failures take out, so all of them may be down at once (Switchyard ejects at most 30%)`,
      ]);
      expect(capped.text).toContain('outlierDetection.maxEjectionPercent');
      const open = renderExport(planOf(workspace('{ maxEjectionPercent: 100 }')), target);
      expect(notesAbout(open, 'upstream app: outlierDetection.maxEjectionPercent')).toEqual([]);
    });
  }

  it('Envoy reports no cap problem at any value', () => {
    const result = renderExport(planOf(workspace('{ maxEjectionPercent: 30 }')), 'envoy');
    expect(notesAbout(result, 'upstream app: outlierDetection.maxEjectionPercent')).toEqual([]);
    expect(notesAbout(result, 'upstream app: outlier detection')).toEqual([expect.stringContaining('max_ejection_percent 30')]);
  });
});
