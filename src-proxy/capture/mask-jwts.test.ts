import { describe, expect, it } from 'vitest';
import { maskHeaders } from './mask-secrets.js';
import { maskJwtBytes, maskJwts } from './mask-jwts.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';
// What the scanner must match: the pattern it replaced, which backtracked quadratically.
const PATTERN = /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;

describe('maskJwts', () => {
  it('masks exactly what the JWT pattern matches (200 000 generated strings of JWT-like pieces)', () => {
    const pieces = ['eyJ', '.', 'a', 'b9', '-', '_', ' ', 'e', 'ey', 'eyJabcde', '"', 'é', JWT];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    let compared = 0;
    for (let k = 0; k < 200_000; k++) {
      let s = '';
      for (let i = Math.floor(random() * 14); i > 0; i--) s += pieces[Math.floor(random() * pieces.length)];
      const want = s.replace(PATTERN, '[masked-jwt]');
      if (maskJwts(s) !== want) expect(maskJwts(s), JSON.stringify(s)).toBe(want);
      if (want !== s) compared++;
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it('returns the very same string when there is nothing to mask', () => {
    const s = 'eyJ but no token eyJabcdefg.eyJ';
    expect(maskJwts(s)).toBe(s);
  });

  it('scans runs that made the pattern backtrack in linear time (the pattern took minutes on these)', () => {
    // Identity checks: a failure must not print megabytes.
    const run = 'eyJ'.repeat(1_000_000);
    expect(maskJwts(run) === run).toBe(true);
    const headers = 'eyJaaaaaaaaaa.e'.repeat(200_000);
    expect(maskJwts(headers) === headers).toBe(true);
    const header = ['X-A', 'eyJ'.repeat(100_000)];
    expect(maskHeaders(header, new Set()) === header).toBe(true);
    // The pattern's leftmost match: the run is the header, the JWT's header and payload the rest.
    expect(maskJwts(`${'eyJ'.repeat(100_000)}.${JWT}`)).toBe('[masked-jwt].c2lnbmF0dXJl');
    expect(maskJwts('eyJaaaaaaaaaa.'.repeat(3))).toBe('[masked-jwt].');
    // 16 MiB that is nothing but JWTs (what a 42-byte br body can decode to).
    const dense = Buffer.from('eyJaaaaa.eyJaa.'.repeat(1_100_000));
    expect(maskJwtBytes(dense).equals(Buffer.from(dense.toString('latin1').replace(PATTERN, '[masked-jwt]'), 'latin1'))).toBe(true);
  });

  it('with `cut`, also masks the start of a JWT that runs to the end of the text', () => {
    for (let keep = 3; keep < JWT.length; keep++) expect(maskJwts(`t=${JWT.slice(0, keep)}`, true), `first ${keep}`).toBe('t=[masked-jwt]');
    expect(maskJwts(`t=${JWT}&u=eyJhbGciOi`, true)).toBe('t=[masked-jwt]&u=[masked-jwt]');
    expect(maskJwts('t=eyJhbGciOiJIUzI1NiJ9.x', true)).toBe('t=eyJhbGciOiJIUzI1NiJ9.x');
    // Only a JWT-sized tail: an "eyJ" 20 KB before the end of a base64 run is not one.
    const run = `t=eyJ${'A'.repeat(20_000)}`;
    expect(maskJwts(run, true)).toBe(run);
    expect(maskJwts(`x=1 ${JWT}`, true)).toBe('x=1 [masked-jwt]');
  });
});
