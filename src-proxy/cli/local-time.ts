/**
 * Times as the command line prints them: local, to the millisecond, without a
 * zone, since `after:` and `before:` read a time without a zone as local (so a
 * printed time can be pasted into a query, quoted: `after:"2026-11-24 12:39:13.123"`).
 */
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-11-24 12:39:13.123` in the local time zone. */
export function localTimestamp(ms: number): string {
  const d = new Date(ms);
  const date = `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
