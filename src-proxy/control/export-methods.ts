/** Control methods for exporting the workspace to production configs (issue 7). */
export const exportMethods = {};
