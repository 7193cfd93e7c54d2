import { describe, expect, it } from 'vitest';
import { hasHidden, reveal } from './reveal';

describe('reveal', () => {
  it('marks bidi overrides so a URL cannot reorder itself', () => {
    expect(reveal('/files/\u202Egpj.exe')).toBe('/files/<U+202E>gpj.exe');
    expect(reveal('a\u2066b\u2069c\u200Fd')).toBe('a<U+2066>b<U+2069>c<U+200F>d');
  });

  it('marks zero-width, BOM, soft hyphen and control characters', () => {
    expect(reveal('pay\u200Bpal.com')).toBe('pay<U+200B>pal.com');
    expect(reveal('\uFEFFx\u00AD\u200D')).toBe('<U+FEFF>x<U+00AD><U+200D>');
    expect(reveal('a\r\nb\u0000\u0085\u007f')).toBe('a<U+000D><U+000A>b<U+0000><U+0085><U+007F>');
  });

  it('leaves ordinary text, including non-Latin scripts and emoji, alone', () => {
    const plain = '/api/users?q=naïve&name=日本語&city=القاهرة&e=🙂';
    expect(reveal(plain)).toBe(plain);
    expect(hasHidden(plain)).toBe(false);
    expect(hasHidden('x\u202Ey')).toBe(true);
    expect(hasHidden('x\u202Ey')).toBe(true);
  });
});
