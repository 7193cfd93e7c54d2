/**
 * A request body that a HAR kept only as `postData.params` (Firefox and
 * Charles do, for forms), rebuilt as it went over the wire: urlencoded, or for
 * multipart/form-data the parts with the Content-Type's boundary (a file's
 * name and type included), not an urlencoded body under a multipart
 * Content-Type that no server would parse.
 */

export interface HarParam {
  name: string;
  value?: unknown;
  fileName?: unknown;
  contentType?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The body `params` stand for, given the request's Content-Type (header or postData.mimeType). */
export function paramsBody(params: readonly HarParam[], contentType: string | undefined): string {
  const boundary = multipartBoundary(contentType);
  return boundary === null ? formBody(params) : multipartBody(params, boundary);
}

function formBody(params: readonly HarParam[]): string {
  const form = new URLSearchParams();
  for (const p of params) form.append(p.name, str(p.value) ?? '');
  return form.toString();
}

/** The boundary of a multipart/form-data media type, or null for any other. */
function multipartBoundary(contentType: string | undefined): string | null {
  if (contentType === undefined || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m === null ? null : (m[1] ?? m[2]);
}

function multipartBody(params: readonly HarParam[], boundary: string): string {
  const quoted = (v: string) => `"${v.replace(/["\\\r\n]/g, (c) => encodeURIComponent(c))}"`;
  let body = '';
  for (const p of params) {
    const fileName = str(p.fileName);
    body += `--${boundary}\r\nContent-Disposition: form-data; name=${quoted(p.name)}${fileName === undefined ? '' : `; filename=${quoted(fileName)}`}\r\n`;
    const type = str(p.contentType);
    if (type !== undefined && type !== '' && !/[\r\n]/.test(type)) body += `Content-Type: ${type}\r\n`;
    body += `\r\n${str(p.value) ?? ''}\r\n`;
  }
  return `${body}--${boundary}--\r\n`;
}
