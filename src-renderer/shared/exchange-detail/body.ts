/**
 * Body viewer helpers: what a captured body is (JSON, XML, HTML, image, text,
 * binary), and how to show it (pretty JSON, hex dump, data: URL). Pure; tested.
 */
export type BodyKind = 'none' | 'json' | 'xml' | 'html' | 'image' | 'text' | 'binary';

/** Hex view is limited to this many bytes. */
export const HEX_LIMIT = 64 * 1024;

export function decodeBase64(base64: string): Uint8Array {
  const bin = atob(base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** How many bytes a (padded) base64 string holds, without decoding it. */
export function base64Length(base64: string): number {
  const pad = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - pad;
}

/** UTF-8 text, or null when the bytes are not valid UTF-8 or hold NUL bytes. */
export function asText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

const JSON_TYPE = /^application\/(json|[\w.+-]+\+json)$|^text\/json$/;
const XML_TYPE = /^(application|text)\/(xml|[\w.+-]+\+xml)$/;
const IMAGE_TYPE = /^image\/(png|jpeg|gif|webp|avif|bmp|x-icon|vnd\.microsoft\.icon|svg\+xml)$/;

/** Does this text look like a JSON document (object or array, parseable)? */
export function looksLikeJson(text: string): boolean {
  const t = text.trim();
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

/**
 * Classify a body by its declared type, then by its bytes: a JSON type (or
 * text that parses as JSON) is json; images are images; XML/HTML by type or
 * by their first tag; valid UTF-8 is text; anything else binary. A truncated
 * JSON body is shown as text (it no longer parses).
 */
export function classifyBody(contentType: string | null, bytes: Uint8Array | null): BodyKind {
  if (bytes === null || bytes.length === 0) return 'none';
  const type = contentType?.toLowerCase() ?? '';
  if (IMAGE_TYPE.test(type)) return 'image';
  const text = asText(bytes);
  if (text === null) return 'binary';
  if (JSON_TYPE.test(type) || looksLikeJson(text)) return looksLikeJson(text) ? 'json' : 'text';
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (XML_TYPE.test(type)) return 'xml';
  const head = text.trimStart().slice(0, 64).toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return 'html';
  if (head.startsWith('<?xml')) return 'xml';
  return 'text';
}

export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/**
 * Classic hex dump: `00000010  48 65 6c 6c 6f 20 77 6f  72 6c 64 0a 00 01 02 03  |Hello world.....|`,
 * 16 bytes a line, at most `limit` bytes.
 */
export function hexDump(bytes: Uint8Array, limit = HEX_LIMIT): string {
  const n = Math.min(bytes.length, limit);
  const lines: string[] = [];
  for (let off = 0; off < n; off += 16) {
    const end = Math.min(off + 16, n);
    let hex = '';
    let ascii = '';
    for (let i = off; i < off + 16; i++) {
      if (i === off + 8) hex += ' ';
      if (i < end) {
        const b = bytes[i];
        hex += `${hex2(b)} `;
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        hex += '   ';
      }
    }
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  return lines.join('\n');
}

export function dataUrl(contentType: string, base64: string): string {
  return `data:${contentType};base64,${base64}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Raw header pairs [name, value, name, value …] → rows. */
export function headerRows(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

/** The timing waterfall's bars: queue, connect, ttfb, and the rest of the total. */
export function waterfall(t: { queue: number; connect: number; ttfb: number; total: number }) {
  const total = Math.max(t.total, 0);
  const queue = Math.max(t.queue, 0);
  const connect = Math.max(t.connect, 0);
  const ttfb = Math.max(t.ttfb, 0);
  const rest = Math.max(total - queue - connect - ttfb, 0);
  const scale = Math.max(total, queue + connect + ttfb + rest, 1e-9);
  let at = 0;
  return (
    [
      ['queue', queue],
      ['connect', connect],
      ['ttfb', ttfb],
      ['transfer', rest],
    ] as const
  ).map(([name, ms]) => {
    const bar = { name, ms, start: (at / scale) * 100, width: (ms / scale) * 100 };
    at += ms;
    return bar;
  });
}
