/** The export registry: one exporter per target, and what `--strict` refuses. */
import type { Plan } from '../config/plan.js';
import { exportCaddy } from './caddy.js';
import { exportEnvoy } from './envoy.js';
import { EXPORT_TARGETS, type Exporter, type ExportOptions, type ExportResult, type ExportTarget, type TranslationNote } from './exporter.js';
import { exportGatewayApi } from './gateway-api.js';
import { exportHaproxy } from './haproxy.js';
import { exportKong } from './kong.js';
import { exportNginx } from './nginx.js';
import { exportTraefik } from './traefik.js';

export { EXPORT_TARGETS };
export type { ExportOptions, ExportResult, ExportTarget, TranslationNote };

const EXPORTERS: Record<ExportTarget, Exporter> = {
  nginx: exportNginx,
  haproxy: exportHaproxy,
  caddy: exportCaddy,
  envoy: exportEnvoy,
  traefik: exportTraefik,
  kong: exportKong,
  'gateway-api': exportGatewayApi,
};

export function isExportTarget(value: string): value is ExportTarget {
  return (EXPORT_TARGETS as readonly string[]).includes(value);
}

export function renderExport(plan: Plan, target: ExportTarget, opts: ExportOptions = { includeSecrets: false }): ExportResult {
  return EXPORTERS[target](plan, opts);
}

/** What `--strict` refuses: every construct that is not translated exactly. */
export function strictProblems(result: ExportResult): TranslationNote[] {
  return result.notes.filter((n) => n.fidelity !== 'exact');
}
