/**
 * The one call the Export view makes: `export.render { target, includeSecrets }`
 * → ExportResult (src-proxy/export/exporter.ts).
 */
import type { ControlClient } from '../../client/contract';
import type { ExportResult, ExportTarget } from '../../../src-proxy/export/exporter';

export type { ExportResult, ExportTarget };

export function renderExport(control: ControlClient, args: { target: ExportTarget; includeSecrets: boolean }): Promise<ExportResult> {
  return control.call('export.render', args);
}
