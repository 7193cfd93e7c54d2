/** Control methods for the HTTP cache (issue 5). */
export const cacheMethods = {};
