/**
 * One line of terminal output, cut to a readable length: a diff of two
 * megabyte one-line bodies would otherwise print megabyte lines (the JSON
 * output keeps everything).
 */

/** Characters of a line shown before the rest is counted instead. */
export const MAX_LINE = 1000;

export function clipLine(line: string, max = MAX_LINE): string {
  if (line.length <= max) return line;
  let end = max;
  // Never split a surrogate pair: half a character prints as garbage.
  const code = line.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${line.slice(0, end)}… (${line.length - end} more characters)`;
}
