/** HAR 1.2 export and import of captured exchanges. */
export { exportHar, harEntry, type HarExportOptions } from './har-export.js';
export { importHar, importHarInSlices, HarImportError, type HarImportOptions, type HarImportResult } from './har-import.js';
export type * from './har-types.js';
