/**
 * Captured traffic printed to a terminal is written by whoever sent it: a
 * body with escape sequences could clear the screen, retitle the window or
 * hide lines (a bare CR). Control characters other than tab and newline are
 * shown as \xNN instead; `--json` output carries the exact text.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export const printable = (line: string): string => line.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
