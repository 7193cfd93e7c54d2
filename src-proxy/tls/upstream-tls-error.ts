/** Turns a failed TLS connection to an upstream into a 502 problem that says why (expired, wrong host, unknown CA…). */
import { SwitchyardError } from '../errors.js';

/** OpenSSL verification codes (as node reports them) and what they mean for the user. */
const VERIFY_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate does not cover the host name',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain ends in an untrusted self-signed root',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate was issued by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate was issued by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT: 'its certificate was issued by an unknown CA',
  CERT_REVOKED: 'its certificate was revoked',
  CERT_SIGNATURE_FAILURE: 'its certificate signature is invalid',
  INVALID_CA: 'a CA certificate in its chain is invalid',
  INVALID_PURPOSE: 'its certificate is not meant for a TLS server (key usage or extended key usage)',
  CERT_UNTRUSTED: 'its certificate is not trusted for TLS servers',
  CERT_REJECTED: 'its certificate is rejected for TLS servers',
  CERT_CHAIN_TOO_LONG: 'its certificate chain is too long',
  PATH_LENGTH_EXCEEDED: 'its certificate chain exceeds a CA\'s path length limit',
  HOSTNAME_MISMATCH: 'its certificate does not cover the host name',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 'its certificate signature cannot be read',
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'its issuer\'s public key cannot be read',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 'its certificate has an invalid validity period',
  ERROR_IN_CERT_NOT_AFTER_FIELD: 'its certificate has an invalid validity period',
};

/** A SwitchyardError for a TLS failure, or null when the error is not about TLS. */
export function upstreamTlsError(cause: Error | undefined, upstream: string): SwitchyardError | null {
  if (!cause) return null;
  const code = (cause as NodeJS.ErrnoException).code ?? '';
  const reason = VERIFY_REASONS[code];
  if (reason) {
    return new SwitchyardError('UPSTREAM_TLS_FAILED', `Upstream "${upstream}" was refused: ${reason} (${code}: ${cause.message}).`, { cause });
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /SSL routines/.test(cause.message)) {
    return new SwitchyardError('UPSTREAM_TLS_FAILED', `The TLS handshake with upstream "${upstream}" failed (${code || 'TLS error'}: ${cause.message}).`, { cause });
  }
  return null;
}
