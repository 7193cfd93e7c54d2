/**
 * Stored password hashes as htpasswd files hold them: bcrypt ($2a$/$2b$/$2y$,
 * via bcryptjs), {SHA} (base64 SHA-1), SHA-crypt ($5$/$6$) and MD5-crypt
 * ($1$/$apr1$). Plain-text and crypt(3) DES entries are not accepted.
 * Comparisons are constant-time.
 */
import bcrypt from 'bcryptjs';
import { createHash, timingSafeEqual } from 'node:crypto';
import { md5Crypt, shaCrypt } from './sha-crypt.js';

export type HashKind = 'bcrypt' | 'sha1' | 'sha-crypt' | 'md5-crypt';

export function hashKind(stored: string): HashKind | null {
  if (/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(stored)) return 'bcrypt';
  if (/^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(stored)) return 'sha1';
  if (/^\$[56]\$(rounds=\d+\$)?[^$]{0,16}\$[./A-Za-z0-9]+$/.test(stored)) return 'sha-crypt';
  if (/^\$(1|apr1)\$[^$]{0,8}\$[./A-Za-z0-9]{22}$/.test(stored)) return 'md5-crypt';
  return null;
}

export function verifyPassword(password: string, stored: string): Promise<boolean> {
  switch (hashKind(stored)) {
    case 'bcrypt':
      return bcrypt.compare(password, stored);
    case 'sha1':
      return Promise.resolve(sameText('{SHA}' + createHash('sha1').update(password).digest('base64'), stored));
    case 'sha-crypt':
      return Promise.resolve(sameText(shaCrypt(password, stored) ?? '', stored));
    case 'md5-crypt':
      return Promise.resolve(sameText(md5Crypt(password, stored) ?? '', stored));
    default:
      return Promise.resolve(false);
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
