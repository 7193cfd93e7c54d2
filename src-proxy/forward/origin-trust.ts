/**
 * Which certificate authorities a forward listener trusts for origins: the
 * system store (system-ca.ts: Node's roots, the OS bundle, NODE_EXTRA_CA_CERTS)
 * and the PEM file named by SWITCHYARD_EXTRA_CA_CERTS. The latter is read when
 * a listener starts, so a private CA can be trusted without restarting Node
 * (NODE_EXTRA_CA_CERTS is only read at process start). One context per
 * listener: parsing the store on every connection would cost milliseconds.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { SwitchyardError } from '../errors.js';
import { systemCaCertificates } from '../tls/system-ca.js';

export const EXTRA_CA_ENV = 'SWITCHYARD_EXTRA_CA_CERTS';

export function originSecureContext(env: NodeJS.ProcessEnv = process.env): SecureContext {
  const extra = env[EXTRA_CA_ENV];
  let ca = systemCaCertificates();
  if (extra) {
    try {
      ca = [...ca, readFileSync(extra, 'utf8')];
    } catch (err) {
      throw new SwitchyardError('CONFIG_INVALID', `${EXTRA_CA_ENV}: cannot read ${extra}: ${(err as Error).message}`, { cause: err });
    }
  }
  return createSecureContext({ ca, minVersion: 'TLSv1.2' });
}
