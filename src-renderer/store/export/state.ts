import type { ExportResult, ExportTarget } from '../../../src-proxy/export/exporter';

export interface ExportState {
  exportTarget: ExportTarget;
  exportIncludeSecrets: boolean;
  exportResult: ExportResult | null;
  exportStatus: 'idle' | 'loading' | 'ready' | 'error';
  exportError: string | null;
}

export const initialExportState: ExportState = {
  exportTarget: 'nginx',
  exportIncludeSecrets: false,
  exportResult: null,
  exportStatus: 'idle',
  exportError: null,
};
