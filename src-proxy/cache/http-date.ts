/**
 * HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and
 * asctime forms recipients must still accept. Anything else — ISO dates, a
 * bare year, a date without GMT — is invalid, where Date.parse would guess
 * (it reads `Expires: 2030` as 1 January 2030).
 */
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const TIME = String.raw`(\d\d):(\d\d):(\d\d)`;
const IMF_FIXDATE = new RegExp(String.raw`^(?:mon|tue|wed|thu|fri|sat|sun), (\d\d) ([a-z]{3}) (\d{4}) ${TIME} GMT$`, 'i');
const RFC850 = new RegExp(String.raw`^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday), (\d\d)-([a-z]{3})-(\d\d) ${TIME} GMT$`, 'i');
const ASCTIME = new RegExp(String.raw`^(?:mon|tue|wed|thu|fri|sat|sun) ([a-z]{3}) ( \d|\d\d) ${TIME} (\d{4})$`, 'i');

/** Epoch ms of an HTTP-date, or null when it is not one. */
export function parseHttpDate(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  let m = IMF_FIXDATE.exec(text);
  if (m !== null) return utc(Number(m[3]), m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  m = RFC850.exec(text);
  if (m !== null) {
    // A two-digit year more than 50 years ahead is the most recent such year in the past (§5.6.7).
    const nowYear = new Date(now).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + Number(m[3]);
    if (year > nowYear + 50) year -= 100;
    return utc(year, m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  }
  m = ASCTIME.exec(text);
  if (m !== null) return utc(Number(m[6]), m[1]!, Number(m[2]!.trim()), m[3]!, m[4]!, m[5]!);
  return null;
}

function utc(year: number, monthName: string, day: number, h: string, min: string, s: string): number | null {
  const month = MONTHS.indexOf(monthName.toLowerCase());
  const hour = Number(h);
  const minute = Number(min);
  const second = Number(s);
  if (month === -1 || day < 1 || hour > 23 || minute > 59 || second > 60) return null;
  const t = Date.UTC(year, month, day, hour, minute, second);
  // 31 Feb rolls over into March: not a date.
  return new Date(t).getUTCDate() === day ? t : null;
}
