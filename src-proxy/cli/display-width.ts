/**
 * How many terminal columns a string takes, so a caret line can sit under a
 * query with CJK text or accents: East Asian wide and fullwidth characters
 * take 2, combining marks and zero-width characters 0, everything else 1 (an
 * astral character is one code point, not two UTF-16 units). The wide ranges
 * are the usual wcwidth blocks, not the whole Unicode table: enough to line
 * up a caret.
 */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo initials
  [0x2e80, 0x303e], // CJK radicals, Kangxi, CJK symbols and punctuation
  [0x3041, 0x33ff], // Hiragana, Katakana, Bopomofo, Hangul compatibility, CJK compatibility
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xa000, 0xa4cf], // Yi
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe30, 0xfe4f], // CJK compatibility forms
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6], // fullwidth signs
  [0x1f300, 0x1f64f], // pictographs, emoticons
  [0x1f900, 0x1f9ff], // supplemental pictographs
  [0x20000, 0x3fffd], // CJK extensions B and beyond
];

const ZERO = /^[\p{Mn}\p{Me}\u200b-\u200d\u2060\ufeff]$/u;

function charWidth(cp: number, ch: string): number {
  if (ZERO.test(ch)) return 0;
  for (const [from, to] of WIDE) if (cp >= from && cp <= to) return 2;
  return 1;
}

export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0)!, ch);
  return width;
}
