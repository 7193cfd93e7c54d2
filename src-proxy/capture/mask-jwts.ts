/**
 * JWTs (three base64url segments, the first two JSON objects: "eyJ…") masked
 * wherever they appear. A scanner, not a regular expression: a backtracking
 * pattern over a run like "eyJeyJeyJ…" is quadratic, and any client can send
 * one (a 126-byte gzip body held the event loop for seconds). Each character
 * is looked at a bounded number of times.
 */

export const MASKED_JWT = '[masked-jwt]';
const DOT = 0x2e;

/** [A-Za-z0-9_-]: base64url. */
function isSegmentChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
}

function segmentEnd(text: string, i: number): number {
  while (i < text.length && isSegmentChar(text.charCodeAt(i))) i++;
  return i;
}

/**
 * The end of the JWT that starts at `p` (where "eyJ" is), or minus the index
 * to search on from: no JWT starts before it either, since any "eyJ" inside
 * the failed header segment ends where that one does and fails the same way.
 * `cut`: the text is the start of something longer, so a JWT prefix that
 * runs to its very end is one too.
 */
function jwtEnd(text: string, p: number, cut: boolean): number {
  const n = text.length;
  let i = segmentEnd(text, p + 3);
  if (cut && i === n) return n;
  if (i - p < 8 || text.charCodeAt(i) !== DOT) return -i;
  const payload = i + 1;
  if (!text.startsWith('eyJ', payload)) return cut && n - payload < 3 && 'eyJ'.startsWith(text.slice(payload)) ? n : -payload;
  i = segmentEnd(text, payload + 3);
  if (cut && i === n) return n;
  // The payload's "eyJ" may begin a JWT of its own: search on from there.
  if (i - payload < 5 || text.charCodeAt(i) !== DOT) return -payload;
  return segmentEnd(text, i + 1);
}

/** `text` with every JWT replaced by MASKED_JWT (the same string when there was none). */
export function maskJwts(text: string, cut = false): string {
  let at = text.indexOf('eyJ');
  if (at === -1) return text;
  let out = '';
  let copied = 0;
  while (at !== -1) {
    const end = jwtEnd(text, at, cut);
    if (end > 0) {
      out += text.slice(copied, at) + MASKED_JWT;
      copied = end;
    }
    at = text.indexOf('eyJ', Math.abs(end));
  }
  return copied === 0 ? text : out + text.slice(copied);
}
