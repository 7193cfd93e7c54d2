/**
 * Quoting bytes for bash (and zsh): bare when harmless, '…' when every
 * character prints, $'…' with escapes otherwise. Bytes that are not valid
 * UTF-8 are written as \xHH, so any byte sequence survives — except NUL,
 * which no argument can hold (see printfFormat).
 */
const SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function bytesOf(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
}

function decode(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

const hex = (b: number) => '\\x' + b.toString(16).padStart(2, '0');
const isControl = (c: number) => c < 0x20 || (c >= 0x7f && c <= 0x9f);

/** Escapes for $'…' (and, with `printf`, for a printf format string inside '…'). */
function escaped(bytes: Uint8Array, mode: 'ansi' | 'printf'): string {
  const text = decode(bytes);
  let out = '';
  const one = (code: number, literal: string) => {
    if (code === 0x5c) out += '\\\\';
    else if (code === 0x27) out += mode === 'ansi' ? "\\'" : "'\\''";
    else if (code === 0x25 && mode === 'printf') out += '%%';
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x0d) out += '\\r';
    else if (code === 0x09) out += '\\t';
    else if (isControl(code)) for (const b of Buffer.from(literal, 'utf8')) out += hex(b);
    else out += literal;
  };
  if (text !== null) {
    for (const ch of text) one(ch.codePointAt(0)!, ch);
  } else {
    for (const b of bytes) {
      if (b >= 0x80) out += hex(b);
      else one(b, String.fromCharCode(b));
    }
  }
  return out;
}

export function shellQuote(input: string | Uint8Array): string {
  const bytes = bytesOf(input);
  if (bytes.includes(0)) throw new Error('A shell argument cannot contain a NUL byte.');
  const text = decode(bytes);
  if (text !== null && text !== '' && SAFE.test(text)) return text;
  if (text !== null && ![...text].some((ch) => isControl(ch.codePointAt(0)!))) return `'${text.replaceAll("'", "'\\''")}'`;
  return `$'${escaped(bytes, 'ansi')}'`;
}

/** A quoted printf format that prints exactly these bytes (NUL included): `printf <this>`. */
export function printfFormat(input: string | Uint8Array): string {
  return `'${escaped(bytesOf(input), 'printf')}'`;
}
