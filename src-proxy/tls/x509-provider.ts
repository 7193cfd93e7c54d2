/**
 * @peculiar/x509 wired to Node's WebCrypto. The library's DI container (tsyringe)
 * needs the Reflect metadata polyfill loaded before it, hence the import order.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// The library types WebCrypto with DOM lib names; Node's implementation is the same API.
x509.cryptoProvider.set(webcrypto as never);

export { x509 };
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
export const subtle = webcrypto.subtle;

/** ECDSA P-256 with SHA-256: fast to generate and to handshake with. */
export const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  return subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), EC_ALGORITHM, true, ['sign']);
}

/** Random positive 16-byte serial number as hex (RFC 5280 §4.1.2.2). */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}
