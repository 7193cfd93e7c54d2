/**
 * `ca.info`: where the local CA certificate is and how to trust it. A host
 * whose engine has no local CA answers NOT_FOUND (unknown method); that is
 * "not available", not an error.
 */
import type { ControlClient } from '../../client/contract';
import { RpcError } from '../../client/types';
import type { CaInfo } from '../../../src-proxy/tls/ca-info';

export type { CaInfo };

/** The CA info, or null when this host has no `ca.info` method. */
export async function fetchCaInfo(control: ControlClient): Promise<CaInfo | null> {
  try {
    return await control.call('ca.info');
  } catch (err) {
    if (err instanceof RpcError && err.code === 'NOT_FOUND') return null;
    throw err;
  }
}
