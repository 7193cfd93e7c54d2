/** Control methods for the local CA and TLS (issue 6). */
import { z } from 'zod';
import { readCaInfo, type CaInfo } from '../tls/ca-info.js';
import { method } from './control-deps.js';

export const tlsMethods = {
  /** Where the local CA certificate is and what it is; does not create it. */
  'ca.info': method(z.strictObject({}), (deps): Promise<CaInfo> => readCaInfo(deps.engine.certificates.dataDir)),
};
