/**
 * JWTs (three base64url segments, the first two JSON objects: "eyJ…") masked
 * wherever they appear. A scanner over bytes, not a regular expression: a
 * backtracking pattern over a run like "eyJeyJeyJ…" is quadratic, and any
 * client can send one (a 126-byte gzip body held the event loop for
 * seconds). Each byte is looked at a bounded number of times, and the output
 * is written into one buffer.
 */

const MASKED_JWT = '[masked-jwt]';
const MASKED = Buffer.from(MASKED_JWT);
const MARK = Buffer.from('eyJ');
const DOT = 0x2e;
/** A cut-off JWT is masked only when this short: an "eyJ" deep inside a long base64 field cut at the cap is not a token. */
const MAX_CUT_JWT = 16 * 1024;

/** [A-Za-z0-9_-]: base64url. */
const SEGMENT = new Uint8Array(256);
for (const c of Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')) SEGMENT[c] = 1;

function segmentEnd(b: Uint8Array, i: number): number {
  while (i < b.length && SEGMENT[b[i]] === 1) i++;
  return i;
}

const startsWithMark = (b: Uint8Array, i: number) => b[i] === 0x65 && b[i + 1] === 0x79 && b[i + 2] === 0x4a;

/**
 * The end of the JWT that starts at `p` (where "eyJ" is), or minus the index
 * to search on from: no JWT starts before it either, since any "eyJ" inside
 * the failed header segment ends where that one does and fails the same way.
 * `cut`: the bytes are the start of something longer, so a JWT prefix that
 * runs to their very end is one too.
 */
function jwtEnd(b: Uint8Array, p: number, cut: boolean): number {
  const n = b.length;
  // Where a JWT cut off by the end of the bytes is masked whole.
  const cutEnd = cut && n - p <= MAX_CUT_JWT ? n : -1;
  let i = segmentEnd(b, p + 3);
  if (i === cutEnd) return n;
  if (i - p < 8 || b[i] !== DOT) return -i;
  const payload = i + 1;
  if (!startsWithMark(b, payload)) return cutEnd === n && MARK.subarray(0, n - payload).equals(b.subarray(payload)) ? n : -payload;
  i = segmentEnd(b, payload + 3);
  if (i === cutEnd) return n;
  // The payload's "eyJ" may begin a JWT of its own: search on from there.
  if (i - payload < 5 || b[i] !== DOT) return -payload;
  return segmentEnd(b, i + 1);
}

/** The next "eyJ" at or after `i`, or -1: native search when matches are sparse, a plain loop right after one (dense input). */
function nextMark(b: Uint8Array, i: number): number {
  const near = Math.min(b.length - 2, i + 64);
  for (; i < near; i++) if (b[i] === 0x65 && b[i + 1] === 0x79 && b[i + 2] === 0x4a) return i;
  return i >= b.length - 2 ? -1 : (b as Buffer).indexOf(MARK, i);
}

/** `bytes` with every JWT replaced by MASKED_JWT, or `bytes` itself when there was none. */
export function maskJwtBytes(bytes: Buffer, cut = false): Buffer {
  let at = bytes.indexOf(MARK);
  if (at === -1) return bytes;
  // A match is at least as long as its mask, except a cut one at the very end.
  let out: Buffer | null = null;
  let written = 0;
  let copied = 0;
  while (at !== -1) {
    const end = jwtEnd(bytes, at, cut);
    if (end > 0) {
      out ??= Buffer.allocUnsafe(bytes.length + MASKED.length);
      // Short spans by hand: a native copy per match costs more than the bytes it moves.
      if (at - copied < 64) while (copied < at) out[written++] = bytes[copied++];
      else written += bytes.copy(out, written, copied, at);
      for (let k = 0; k < MASKED.length; k++) out[written++] = MASKED[k];
      copied = end;
    }
    at = nextMark(bytes, Math.abs(end));
  }
  if (out === null) return bytes;
  written += bytes.copy(out, written, copied);
  return out.subarray(0, written);
}

/** `text` with every JWT replaced by MASKED_JWT (the same string when there was none). */
export function maskJwts(text: string, cut = false): string {
  if (!text.includes('eyJ')) return text;
  // UTF-8 keeps every character; a JWT is ASCII and no byte of a multi-byte character is base64url.
  const bytes = Buffer.from(text, 'utf8');
  const masked = maskJwtBytes(bytes, cut);
  return masked === bytes ? text : masked.toString('utf8');
}
