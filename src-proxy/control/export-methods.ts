/** Control methods for exporting the workspace to production configs (issue 7). */
import { z } from 'zod';
import { EXPORT_TARGETS, renderExport } from '../export/index.js';
import { method } from './control-deps.js';

export const exportMethods = {
  /** The running plan translated for `target`, with its translation report (what the Export view shows). */
  'export.render': method(
    z.strictObject({ target: z.enum(EXPORT_TARGETS), includeSecrets: z.boolean().default(false) }),
    ({ engine }, { target, includeSecrets }) => renderExport(engine.current().plan, target, { includeSecrets }),
  ),
};
