/** What goes into the full-text index for one exchange. */

const TEXTUAL = /^text\/|json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|yaml/;

/** Whether a body of this media type is indexed as text (decoded as UTF-8). */
export function isTextualContentType(contentType: string | null): boolean {
  return contentType !== null && TEXTUAL.test(contentType.toLowerCase());
}

/** Flat raw header pairs → "Name: value" lines. */
export function headerText(pairs: readonly string[]): string {
  let out = '';
  for (let i = 0; i + 1 < pairs.length; i += 2) out += `${pairs[i]}: ${pairs[i + 1]}\n`;
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/**
 * UTF-8 text of a textual body (already capped by capture), or '' for binary or absent bodies.
 * A form body is indexed as it decodes too, as a URL is.
 */
export function bodyText(bytes: Uint8Array | null, contentType: string | null): string {
  if (bytes === null || bytes.byteLength === 0 || !isTextualContentType(contentType)) return '';
  const text = decoder.decode(bytes);
  return /x-www-form-urlencoded/i.test(contentType!) ? withDecoded(text) : text;
}

/**
 * The URL column: scheme, host and the path with its query, and when it holds
 * percent-encoded characters, also as they decode: clients encode anything
 * past ASCII (`?q=caf%C3%A9`), and "café" must find it.
 */
export function urlText(scheme: string, host: string, url: string): string {
  return withDecoded(`${scheme}://${host}${url}`);
}

/** The text, then on a line of its own what its %XX escapes decode to (each run of them as UTF-8), when that differs. */
function withDecoded(text: string): string {
  if (!text.includes('%')) return text;
  const decoded = text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run; // not UTF-8: left as written
    }
  });
  return decoded === text ? text : `${text}\n${decoded}`;
}
