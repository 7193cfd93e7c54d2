/**
 * Which algorithms a configured key may verify. Refusing a mismatch at
 * config time is the defence against algorithm confusion: an RS256 public key
 * must never be used as an HS256 secret, an HMAC secret never with RS/ES/PS.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Inline PEM, or a path to a PEM file. */
export function loadPublicKey(value: string): KeyObject {
  const pem = value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
  return createPublicKey(pem);
}

/** The algorithms a public key can verify. */
export function algorithmsForKey(key: KeyObject): readonly string[] {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
  if (type === 'rsa-pss') return ['PS256', 'PS384', 'PS512'];
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1' || curve === 'P-256') return ['ES256'];
    if (curve === 'secp384r1' || curve === 'P-384') return ['ES384'];
  }
  return [];
}

export const isHmac = (alg: string): boolean => alg.startsWith('HS');
