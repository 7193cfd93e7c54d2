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

/** UTF-8 text of a textual body (already capped by capture), or '' for binary or absent bodies. */
export function bodyText(bytes: Uint8Array | null, contentType: string | null): string {
  if (bytes === null || bytes.byteLength === 0 || !isTextualContentType(contentType)) return '';
  return decoder.decode(bytes);
}

/** The URL column: scheme, host and the path with its query. */
export function urlText(scheme: string, host: string, url: string): string {
  return `${scheme}://${host}${url}`;
}
