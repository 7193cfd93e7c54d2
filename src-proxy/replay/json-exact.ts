/**
 * JSON.parse that keeps numbers a double cannot hold exactly
 * (12345678901234567890, 0.1000000000000000000001): those become
 * `ExactNumber`s carrying their digits, so a diff does not call two different
 * ids equal because both round to the same double. Numbers a double does hold
 * exactly stay plain numbers (so 1 and 1.0 are the same value).
 */
import { randomBytes } from 'node:crypto';

export class ExactNumber {
  /** Canonical form: sign, significant digits, exponent ("-123e-2"). */
  readonly canonical: string;
  constructor(readonly text: string) {
    this.canonical = canonicalDecimal(text) ?? text;
  }
  /** In a diff's JSON output: the number as it was written. */
  toJSON(): string {
    return this.text;
  }
}

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const PARTS = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** The mathematical value of a decimal literal in one spelling, or null when it is not one. */
export function canonicalDecimal(text: string): string | null {
  const m = PARTS.exec(text);
  if (m === null) return null;
  const frac = m[3] ?? '';
  let digits = (m[2] + frac).replace(/^0+/, '');
  let exp = BigInt(m[4] ?? '0') - BigInt(frac.length);
  if (digits === '') return '0';
  const trimmed = digits.replace(/0+$/, '');
  exp += BigInt(digits.length - trimmed.length);
  digits = trimmed;
  return `${m[1] ?? ''}${digits}e${exp}`;
}

function isExact(literal: string): boolean {
  const n = Number(literal);
  return Number.isFinite(n) && canonicalDecimal(literal) === canonicalDecimal(String(n).replace('e+', 'e'));
}

/** Parses JSON text; throws like JSON.parse on invalid input. */
export function parseJsonExact(text: string): unknown {
  const inexact: string[] = [];
  let tag = `~exact-${randomBytes(6).toString('hex')}-`;
  while (text.includes(tag)) tag = `~exact-${randomBytes(6).toString('hex')}-`;
  let marked = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string, escapes included.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m === null) continue;
    if (!isExact(m[0])) {
      // Stand-in string with a tag the text does not contain, turned back below.
      marked += `${text.slice(last, i)}"${tag}${inexact.length}"`;
      inexact.push(m[0]);
      last = i + m[0].length;
    }
    i += m[0].length - 1;
  }
  if (inexact.length === 0) return JSON.parse(text);
  return JSON.parse(marked + text.slice(last), (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(tag) ? new ExactNumber(inexact[Number(value.slice(tag.length))]) : value,
  );
}
