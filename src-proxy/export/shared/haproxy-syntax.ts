/** Quoting and small translations for haproxy.cfg. */

import { SwitchyardError } from '../../errors.js';

// eslint-disable-next-line no-control-regex -- control characters end a config line; they are written as \xHH
const CONTROL = /[\u0000-\u001f\u007f]/g;
// eslint-disable-next-line no-control-regex -- the same set, tested without the global flag's state
const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;
const hex = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * A single-quoted HAProxy word: no escape or variable processing inside; a
 * quote is closed, escaped and reopened, and so is a control character (a raw
 * newline would end the line and start a directive the workspace never wrote).
 */
export function hq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`).replace(CONTROL, (c) => `'${hex(c)}'`)}'`;
}

/** A word left bare when plainly safe (names, paths), else single-quoted. */
export function hw(s: string): string {
  return /^[A-Za-z0-9._/:=+*~@,-]+$/.test(s) ? s : hq(s);
}

/** A double-quoted log-format string (where `%[…]` expressions are evaluated): `"` and `\` escaped, `%` doubled, control characters as \xHH. */
export function hfmt(literal: string): string {
  return literal.replace(/[\\"]/g, '\\$&').replace(/%/g, '%%').replace(/\$/g, '\\$').replace(CONTROL, hex);
}

/** A double-quoted literal string (`string`, `content-type` of `http-request return`): no `%` expressions there, so `%` is kept as is. */
export function hstr(literal: string): string {
  return `"${literal.replace(/[\\"$]/g, '\\$&').replace(CONTROL, hex)}"`;
}

/** Literal text in a `replace-path` replacement: a log-format (`%` doubled) where `\N` is a group, so a backslash is doubled. */
export function hrepl(literal: string): string {
  return literal.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

/**
 * An argument of a sample fetch (`req.hdr(NAME)`, `url_param(NAME)`, `str(NAME)`):
 * quoted when it holds `#` or `$`; refused when it holds characters the
 * argument parser reads as syntax (quotes, commas, parentheses, spaces).
 */
export function harg(s: string, where: string): string {
  if (/^[A-Za-z0-9._:~+*!^|&%-]+$/.test(s)) return s;
  if (!/['"\\,() ]/.test(s) && !CONTROL_CHAR.test(s)) return hq(s);
  throw new SwitchyardError('CONFIG_INVALID', `cannot export to haproxy: ${where}: ${JSON.stringify(s)} holds a character HAProxy reads as syntax in a sample-fetch argument (quote, comma, parenthesis, backslash or space)`);
}

/** An inclusive status range list as a regex (`http-check expect rstatus`, `-m reg` on status). */
export function statusRegex(ranges: readonly (readonly [number, number])[]): string {
  const alts: string[] = [];
  for (const [lo, hi] of ranges) {
    let c = lo;
    while (c <= hi) {
      if (c % 100 === 0 && c + 99 <= hi) {
        alts.push(`${c / 100}[0-9][0-9]`);
        c += 100;
      } else if (c % 10 === 0 && c + 9 <= hi) {
        alts.push(`${c / 10}[0-9]`);
        c += 10;
      } else {
        alts.push(String(c));
        c += 1;
      }
    }
  }
  return `^(${alts.join('|')})$`;
}

