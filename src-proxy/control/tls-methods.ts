/** Control methods for the local CA and TLS (issue 6). */
export const tlsMethods = {};
