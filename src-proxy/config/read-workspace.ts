/**
 * Reads a workspace file as strict UTF-8. Node's `readFile(f, 'utf8')` turns
 * bad bytes into U+FFFD without a word, so a Latin-1 or UTF-16 file would
 * load with mangled values; here it is a located error instead.
 */
import { readFile } from 'node:fs/promises';
import type { ConfigIssue } from './issues.js';

/** `unreadable`: the file could not be read at all (missing, a directory, no permission), as opposed to bad bytes. */
export type ReadResult = { text: string; issue?: undefined } | { text?: undefined; issue: ConfigIssue; unreadable: boolean };

const REASONS: Record<string, string> = {
  ENOENT: 'file not found',
  EISDIR: 'it is a directory, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

export async function readWorkspaceFile(file: string, label = file): Promise<ReadResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = (e.code && REASONS[e.code]) ?? e.message;
    return { issue: issue(label, 1, 1, `cannot read workspace: ${reason}`), unreadable: true };
  }
  return decodeWorkspace(bytes, label);
}

export function decodeWorkspace(bytes: Uint8Array, label: string): ReadResult {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { issue: issue(label, 1, 1, 'the file is UTF-16; save it as UTF-8'), unreadable: false };
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad === -1) return { text: new TextDecoder('utf-8').decode(bytes) };
  const before = new TextDecoder('utf-8').decode(bytes.subarray(0, bad));
  const line = before.split('\n').length;
  const column = before.length - (before.lastIndexOf('\n') + 1) + 1;
  const hex = bytes[bad]!.toString(16).toUpperCase().padStart(2, '0');
  return { issue: issue(label, line, column, `the file is not valid UTF-8 (byte 0x${hex}); save it as UTF-8`), unreadable: false };
}

function issue(file: string, line: number, column: number, message: string): ConfigIssue {
  return { file, line, column, message, path: [], severity: 'error' };
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0; // no overlong forms
      if (c === 0xed) hi = 0x9f; // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f; // nothing above U+10FFFF
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}
