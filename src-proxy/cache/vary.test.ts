import { describe, expect, it } from 'vitest';
import { normaliseVaryValue, parseVary, variantKey } from './vary.js';

describe('Vary', () => {
  it('parses names case-insensitively and spots *', () => {
    expect(parseVary({ vary: 'Accept-Encoding, accept-language,ACCEPT-ENCODING' })).toEqual(['accept-encoding', 'accept-language']);
    expect(parseVary({ vary: 'Accept, *' })).toBe('*');
    expect(parseVary({})).toEqual([]);
  });
  it('normalises whitespace, case and Accept-Encoding token order', () => {
    expect(normaliseVaryValue('accept-encoding', 'GZIP,  br')).toBe(normaliseVaryValue('accept-encoding', 'br, gzip'));
    expect(normaliseVaryValue('x-custom', 'a ,  b')).toBe('a,b');
    expect(normaliseVaryValue('x-custom', 'A')).not.toBe(normaliseVaryValue('x-custom', 'a'));
    expect(normaliseVaryValue('accept', undefined)).not.toBe(normaliseVaryValue('accept', ''));
  });
  it('builds one secondary key per distinct request', () => {
    const names = ['accept-language'];
    expect(variantKey(names, { 'accept-language': 'en' })).not.toBe(variantKey(names, { 'accept-language': 'de' }));
    expect(variantKey(names, { 'accept-language': 'EN' })).toBe(variantKey(names, { 'accept-language': 'en' }));
  });
});
