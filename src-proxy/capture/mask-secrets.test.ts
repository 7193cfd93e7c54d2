import { describe, expect, it } from 'vitest';
import { MASK, maskBody, maskHeaders, maskJwts, maskUrl } from './mask-secrets.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';

describe('maskUrl', () => {
  it('masks named query parameters (also when percent-encoded) and JWTs, keeping the rest as written', () => {
    const names = new Set(['api_key', 'token']);
    expect(maskUrl('/list?a=1&api_key=k-123&b=two%20words', names)).toBe(`/list?a=1&api_key=${MASK}&b=two%20words`);
    expect(maskUrl('/x?api%5Fkey=k&token=t&tokenish=keep', names)).toBe(`/x?api%5Fkey=${MASK}&token=${MASK}&tokenish=keep`);
    expect(maskUrl(`/x?jwt=${JWT}`, new Set())).toBe('/x?jwt=[masked-jwt]');
    expect(maskUrl('/no-query', names)).toBe('/no-query');
    expect(maskUrl('/x?api_key', names)).toBe('/x?api_key');
  });
});

describe('maskHeaders', () => {
  it('keeps the shape of credentials and returns the input when nothing is secret', () => {
    const raw = ['Authorization', 'Bearer abc', 'Cookie', 'a=1; b=2', 'X-Api-Key', 'k', 'Accept', '*/*'];
    expect(maskHeaders(raw, new Set(['authorization', 'cookie', 'x-api-key']))).toEqual([
      'Authorization', `Bearer ${MASK}`, 'Cookie', `a=${MASK}; b=${MASK}`, 'X-Api-Key', MASK, 'Accept', '*/*',
    ]);
    const plain = ['Accept', '*/*'];
    expect(maskHeaders(plain, new Set(['authorization']))).toBe(plain);
    expect(maskJwts(`token ${JWT}`)).toBe('token [masked-jwt]');
  });
});

describe('maskBody', () => {
  it('changes only the JWT: invalid UTF-8, a character cut at the cap and compressed bytes stay byte for byte', () => {
    const before = Buffer.concat([Buffer.from([0xff, 0x1f, 0x8b]), Buffer.from(`{"t":"${JWT}","eyJ":"é`), Buffer.from('€').subarray(0, 2)]);
    const masked = Buffer.from(maskBody(before, 'application/json')!);
    const expected = Buffer.concat([Buffer.from([0xff, 0x1f, 0x8b]), Buffer.from('{"t":"[masked-jwt]","eyJ":"é'), Buffer.from('€').subarray(0, 2)]);
    expect(masked.toString('hex')).toBe(expected.toString('hex'));
    // "eyJ" without a JWT: the very same bytes come back.
    const gzipLike = Buffer.from([0x1f, 0x8b, 0x08, 0x65, 0x79, 0x4a, 0xc3, 0x28, 0xfe]);
    expect(maskBody(gzipLike, 'application/json')).toBe(gzipLike);
  });
});
