/**
 * Unix crypt formats found in htpasswd and /etc/shadow files, written from
 * their specifications because Node has no crypt(3): SHA-crypt ($5$ SHA-256,
 * $6$ SHA-512; Drepper, "Unix crypt using SHA-256 and SHA-512") and MD5-crypt
 * ($1$, and Apache's $apr1$, which differs only in its magic). Each returns
 * the full hash string for a password and a stored hash's settings, so a
 * check is `timingSafeEqual(hash(password, stored), stored)`.
 */
import { createHash } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Byte triples (and the final short group) in the order the formats encode them.
const SHA256_ORDER = [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29]];
const SHA512_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10],
  [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];
const MD5_ORDER = [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5]];

function to64(value: number, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) {
    out += ITOA64[value & 0x3f];
    value >>>= 6;
  }
  return out;
}

function encode(bytes: Buffer, order: number[][]): string {
  let out = '';
  for (const [a, b, c] of order) out += to64((bytes[a] << 16) | (bytes[b] << 8) | bytes[c], 4);
  return out;
}

/** Repeats `block` to exactly `length` bytes. */
function stretch(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}

/** `$5$…` or `$6$…`: the hash of `password` with the salt and rounds of `stored`; null when `stored` is not SHA-crypt. */
export function shaCrypt(password: string, stored: string): string | null {
  const m = /^\$([56])\$(rounds=(\d+)\$)?([^$]{0,16})/.exec(stored);
  if (m === null) return null;
  const algo = m[1] === '5' ? 'sha256' : 'sha512';
  const size = algo === 'sha256' ? 32 : 64;
  const rounds = m[3] === undefined ? 5000 : Math.min(999_999_999, Math.max(1000, Number(m[3])));
  const salt = Buffer.from(m[4]);
  const p = Buffer.from(password);
  const H = (...parts: Buffer[]): Buffer => {
    const h = createHash(algo);
    for (const part of parts) h.update(part);
    return h.digest();
  };

  const b = H(p, salt, p);
  const a = createHash(algo).update(p).update(salt).update(stretch(b, p.length));
  for (let n = p.length; n > 0; n >>= 1) a.update(n & 1 ? b : p);
  let c = a.digest();

  const dp = createHash(algo);
  for (let i = 0; i < p.length; i++) dp.update(p);
  const pBytes = stretch(dp.digest(), p.length);
  const ds = createHash(algo);
  for (let i = 0; i < 16 + c[0]; i++) ds.update(salt);
  const sBytes = stretch(ds.digest(), salt.length);

  for (let i = 0; i < rounds; i++) {
    const h = createHash(algo);
    h.update(i & 1 ? pBytes : c);
    if (i % 3) h.update(sBytes);
    if (i % 7) h.update(pBytes);
    h.update(i & 1 ? c : pBytes);
    c = h.digest();
  }

  const tail = size === 32 ? to64((c[31] << 8) | c[30], 3) : to64(c[63], 2);
  const body = encode(c, size === 32 ? SHA256_ORDER : SHA512_ORDER) + tail;
  return `$${m[1]}$${m[2] ?? ''}${m[4]}$${body}`;
}

/** `$1$…` or `$apr1$…` (MD5-crypt); null when `stored` is neither. */
export function md5Crypt(password: string, stored: string): string | null {
  const m = /^(\$1\$|\$apr1\$)([^$]{0,8})/.exec(stored);
  if (m === null) return null;
  const magic = Buffer.from(m[1]);
  const salt = Buffer.from(m[2]);
  const p = Buffer.from(password);
  const md5 = (...parts: Buffer[]): Buffer => {
    const h = createHash('md5');
    for (const part of parts) h.update(part);
    return h.digest();
  };

  let fin = md5(p, salt, p);
  const ctx = createHash('md5').update(p).update(magic).update(salt).update(stretch(fin, p.length));
  for (let n = p.length; n > 0; n >>= 1) ctx.update(n & 1 ? Buffer.of(0) : p.subarray(0, 1));
  fin = ctx.digest();

  for (let i = 0; i < 1000; i++) {
    const h = createHash('md5');
    h.update(i & 1 ? p : fin);
    if (i % 3) h.update(salt);
    if (i % 7) h.update(p);
    h.update(i & 1 ? fin : p);
    fin = h.digest();
  }
  return `${m[1]}${m[2]}$${encode(fin, MD5_ORDER)}${to64(fin[11], 2)}`;
}
