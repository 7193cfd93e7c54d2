/** TLS settings shared by every server context: TLS 1.2+ with ECDHE key exchange and AEAD ciphers only. */
import type { SecureContextOptions } from 'node:tls';

/** TLS 1.2 suites; TLS 1.3 suites are all AEAD and stay at Node's defaults. */
export const MODERN_TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export function modernContextOptions(minVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.2'): SecureContextOptions {
  return { minVersion, ciphers: MODERN_TLS12_CIPHERS, honorCipherOrder: true };
}
