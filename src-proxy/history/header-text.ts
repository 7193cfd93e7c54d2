/**
 * How a header list (`[name, value, name, value, …]`) is stored in
 * `exchanges.req_headers` / `res_headers`: the strings joined by LF.
 *
 * Why not JSON: stringifying two header lists was a tenth of the writer's time
 * per row, and sending them as arrays cost a string tag per element both ways
 * across the thread boundary. HTTP/1 and HTTP/2 parsers refuse CR, LF and NUL
 * in names and values, so captured headers always join losslessly and cheaply
 * on the main thread. A list that does not (an imported HAR can carry
 * anything) is stored as a JSON array instead; so are the rows written before
 * schema 5. A joined list never starts with `[`: that would need a header name
 * starting with `[`, which is not a token character, and such lists take the
 * JSON form too.
 */

const NEEDS_JSON = /[\n\uD800-\uDFFF]/;

export function encodeHeaders(list: readonly string[]): string {
  if (list.length === 0) return '';
  if (list.length % 2 !== 0 || list[0].startsWith('[')) return JSON.stringify(list);
  // Surrogates: a lone one would be replaced on its way into SQLite's UTF-8, JSON escapes it.
  // (Captured headers are latin1 strings: they never have any.)
  for (const s of list) if (NEEDS_JSON.test(s)) return JSON.stringify(list);
  return list.join('\n');
}

export function decodeHeaders(text: string): string[] {
  if (text === '') return [];
  if (text.startsWith('[')) return JSON.parse(text) as string[];
  return text.split('\n');
}
