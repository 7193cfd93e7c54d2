/**
 * Captured URLs, hosts and headers come from remote parties. Characters that
 * are invisible or reorder text (bidi overrides and isolates, zero-width
 * characters, control characters) would let a URL disguise itself, e.g.
 * "/files/‮gpj.exe" shown as "/files/exe.jpg". `reveal` replaces each of them
 * with a visible `<U+202E>` marker so what is shown is what was sent.
 */
// C0/C1 controls and DEL, soft hyphen, Arabic letter mark, Mongolian vowel separator,
// zero-width and bidi marks (200B–200F), line/paragraph separators and bidi embeddings/overrides
// (2028–202E), word joiner and invisible operators (2060–2064), bidi isolates and deprecated
// format characters (2066–206F), BOM/ZWNBSP, interlinear annotation marks (FFF9–FFFB).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

const marker = (c: string) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`;

/** The text with every invisible or reordering character shown as `<U+XXXX>`. */
export function reveal(text: string): string {
  return text.replace(HIDDEN, marker);
}

/** Does the text hold a character `reveal` would mark? */
export function hasHidden(text: string): boolean {
  HIDDEN.lastIndex = 0;
  const found = HIDDEN.test(text);
  HIDDEN.lastIndex = 0;
  return found;
}
