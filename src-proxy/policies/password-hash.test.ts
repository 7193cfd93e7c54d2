import bcrypt from 'bcryptjs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashKind, verifyPassword } from './password-hash.js';

describe('password hashes', () => {
  it('recognises the supported kinds and nothing else', () => {
    const b = bcrypt.hashSync('pw', 4);
    expect(hashKind(b)).toBe('bcrypt');
    expect(hashKind(b.replace('$2b$', '$2y$'))).toBe('bcrypt');
    expect(hashKind('{SHA}' + createHash('sha1').update('pw').digest('base64'))).toBe('sha1');
    expect(hashKind('$6$salt$' + 'a'.repeat(86))).toBe('sha-crypt');
    expect(hashKind('$apr1$salt$' + 'a'.repeat(22))).toBe('md5-crypt');
    for (const other of ['pw', 'abJnggxhB/yWI', '$2b$10$short', '{SHA}bad', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA']) expect(hashKind(other), other).toBeNull();
  });

  it('verifies bcrypt ($2y$ too) and {SHA}, and refuses wrong passwords and unknown formats', async () => {
    const b = bcrypt.hashSync('secret', 4);
    expect(await verifyPassword('secret', b)).toBe(true);
    expect(await verifyPassword('secret', b.replace('$2b$', '$2y$'))).toBe(true);
    expect(await verifyPassword('Secret', b)).toBe(false);
    const sha = '{SHA}' + createHash('sha1').update('secret').digest('base64');
    expect(await verifyPassword('secret', sha)).toBe(true);
    expect(await verifyPassword('secret2', sha)).toBe(false);
    expect(await verifyPassword('secret', 'secret')).toBe(false);
  });
});
