/** Checked against `openssl passwd` (a real crypt implementation) and the specification's own example. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { md5Crypt, shaCrypt } from './sha-crypt.js';

const openssl = (flag: string, salt: string, pw: string) => execFileSync('openssl', ['passwd', flag, '-salt', salt, pw]).toString().trim();
const passwords = ['Hello world!', 'x', 'pässwörd', 'a password much longer than sixty-four bytes, to cover the stretching of every block'];

describe('SHA-crypt and MD5-crypt', () => {
  it('match openssl passwd -5, -6, -1 and -apr1', () => {
    for (const pw of passwords) {
      for (const flag of ['-5', '-6']) {
        const ref = openssl(flag, 'saltstring', pw);
        expect(shaCrypt(pw, ref)).toBe(ref);
      }
      for (const flag of ['-1', '-apr1']) {
        const ref = openssl(flag, 'saltsalt', pw);
        expect(md5Crypt(pw, ref)).toBe(ref);
      }
    }
  });

  it('honours rounds= (the specification example) and differs for a wrong password', () => {
    const stored = '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA';
    expect(shaCrypt('Hello world!', stored)).toBe(stored);
    expect(shaCrypt('Hello world?', stored)).not.toBe(stored);
    expect(shaCrypt('x', '$2b$10$abc')).toBeNull();
    expect(md5Crypt('x', '{SHA}abc')).toBeNull();
  });
});
