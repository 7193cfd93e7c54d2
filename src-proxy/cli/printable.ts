/**
 * Captured traffic printed to a terminal is written by whoever sent it: a
 * body with escape sequences could clear the screen, retitle the window or
 * hide lines (a bare CR), and bidi overrides or zero-width characters could
 * make a host read as another (the workbench reveals them the same way).
 * Control characters other than tab and newline are shown as \xNN, those
 * format characters as \uNNNN; `--json` output carries the exact text.
 */
// eslint-disable-next-line no-control-regex
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

export const printable = (line: string): string =>
  line.replace(HIDDEN, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
