import { renderExport as callExportRender } from '../../features/export/render-export';
import type { ExportTarget } from '../../../src-proxy/export/exporter';
import { describeError } from '../errors';
import type { SliceCreator } from '../types';
import { initialExportState, type ExportState } from './state';

export interface ExportActions {
  setExportTarget(target: ExportTarget): void;
  setExportIncludeSecrets(on: boolean): void;
  /** `export.render` of the running workspace for the chosen target. */
  renderExport(): Promise<void>;
}

export type ExportSlice = ExportState & ExportActions;

export const createExportSlice: SliceCreator<ExportSlice> = (set, get, deps) => {
  let generation = 0;
  return {
    ...initialExportState,
    setExportTarget(exportTarget) {
      set({ exportTarget });
    },
    setExportIncludeSecrets(exportIncludeSecrets) {
      set({ exportIncludeSecrets });
    },
    async renderExport() {
      if (!deps.control) {
        set({ exportStatus: 'error', exportError: 'Not connected to a Switchyard host.' });
        return;
      }
      const mine = ++generation;
      const { exportTarget: target, exportIncludeSecrets: includeSecrets } = get();
      set({ exportStatus: 'loading', exportError: null });
      try {
        const result = await callExportRender(deps.control, { target, includeSecrets });
        if (mine === generation) set({ exportResult: result, exportStatus: 'ready' });
      } catch (err) {
        if (mine === generation) set({ exportStatus: 'error', exportError: describeError(err).message, exportResult: null });
      }
    },
  };
};
