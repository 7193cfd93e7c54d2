/** Quoting and small translations for haproxy.cfg. */

/** A single-quoted HAProxy word: no escape or variable processing inside; a quote is closed, escaped and reopened. */
export function hq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A double-quoted log-format string (where `%[…]` expressions are evaluated): `"` and `\` escaped, `%` doubled. */
export function hfmt(literal: string): string {
  return literal.replace(/[\\"]/g, '\\$&').replace(/%/g, '%%').replace(/\$/g, '\\$');
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

