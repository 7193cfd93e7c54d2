/** The "edit & resend" form of the exchange detail pane, and its header text format. */
import { useMemo, useState } from 'react';
import { reveal } from '../text/reveal';
import { asText, decodeBase64, headerRows } from './body';
import type { ReplayEdit, WireExchange } from './ExchangeDetail';
import { editablePath } from './request-target';

const COMPUTED = new Set(['content-length', 'transfer-encoding']);

/** "Name: value" lines ↔ raw pairs. */
export function headersToText(raw: readonly string[]): string {
  return headerRows(raw)
    .map(([n, v]) => `${n}: ${v}`)
    .join('\n');
}

// RFC 9110 §5.1 (field-name = token) and §5.5 (field values: no control characters but tab).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const BAD_VALUE_CHAR = /[\u0000-\u0008\u000a-\u001f\u007f]/;
// A request target in origin form: no whitespace or control characters.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const BAD_PATH_CHAR = /[\u0000-\u0020\u007f]/;

export function parseHeaderText(text: string): { headers: Record<string, string[]>; error: string | null } {
  const headers: Record<string, string[]> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const c = line.indexOf(':');
    if (c <= 0) return { headers, error: `line ${i + 1}: expected "Name: value"` };
    const name = line.slice(0, c).trim();
    if (!TOKEN.test(name)) {
      return { headers, error: `line ${i + 1}: "${reveal(name)}" is not a valid header name (letters, digits and !#$%&'*+-.^_\`|~ only, no spaces)` };
    }
    const value = line.slice(c + 1).trim();
    if (BAD_VALUE_CHAR.test(value)) return { headers, error: `line ${i + 1}: the value of ${name} holds a control character (${reveal(value)})` };
    (headers[name] ??= []).push(value);
  }
  return { headers, error: null };
}

export function EditForm({ x, busy, onSend, onCancel }: { x: WireExchange; busy: boolean; onSend: (edit: ReplayEdit) => void; onCancel: () => void }) {
  // A compressed body is edited as its decoded text, and an edited one is sent as that text (without Content-Encoding).
  const decoded = x.requestBody.decoded && 'base64' in x.requestBody.decoded ? x.requestBody.decoded : null;
  const originalBase64 = decoded?.base64 ?? x.requestBody.base64;
  const originalBody = useMemo(() => (originalBase64 ? (asText(decodeBase64(originalBase64)) ?? '') : ''), [originalBase64]);
  const [method, setMethod] = useState(x.method);
  const [url, setUrl] = useState(() => editablePath(x.url));
  const [headers, setHeaders] = useState(() => headersToText(x.requestHeaders));
  const [body, setBody] = useState(originalBody);
  const [error, setError] = useState<string | null>(null);

  const submit = () => {
    const parsed = parseHeaderText(headers);
    if (parsed.error) return setError(parsed.error);
    if (!/^[A-Z][A-Z-]*$/.test(method)) return setError('Method must be upper case letters (GET, POST …).');
    if (!url.startsWith('/')) return setError('Path must start with /.');
    if (BAD_PATH_CHAR.test(url)) return setError(`Path must not hold spaces or control characters (${reveal(url)}); percent-encode them (%20).`);
    // The replayer computes Content-Length / Transfer-Encoding from the body and refuses them as edits.
    const bodyEdited = body !== originalBody || x.requestBody.truncated;
    const computed = (n: string) => COMPUTED.has(n) || (bodyEdited && decoded !== null && n === 'content-encoding');
    const set = Object.fromEntries(Object.entries(parsed.headers).filter(([n]) => !computed(n.toLowerCase())));
    const keep = new Set(Object.keys(parsed.headers).map((h) => h.toLowerCase()).filter((n) => !computed(n)));
    const remove = [...new Set(headerRows(x.requestHeaders).map(([n]) => n.toLowerCase()))].filter((n) => !keep.has(n) && !COMPUTED.has(n));
    const edit: ReplayEdit = { method, url, headers: { set, ...(remove.length ? { remove } : {}) } };
    if (bodyEdited) edit.body = body === '' ? null : { text: body };
    setError(null);
    onSend(edit);
  };

  return (
    <form
      className="edit-form"
      data-testid="edit-form"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="edit-line">
        <input aria-label="Method" className="mono edit-method" value={method} onChange={(e) => setMethod(e.target.value.toUpperCase())} />
        <input aria-label="Path" className="mono edit-url" value={url} onChange={(e) => setUrl(e.target.value)} />
      </div>
      <label className="small muted">
        Headers (one “Name: value” a line)
        <textarea aria-label="Headers" className="mono" rows={6} value={headers} onChange={(e) => setHeaders(e.target.value)} />
      </label>
      <label className="small muted">
        Body{decoded !== null && ` (decoded from ${decoded.codings.join(', ')}; an edited body is sent as plain text, without Content-Encoding)`}
        <textarea aria-label="Body" className="mono" rows={6} value={body} onChange={(e) => setBody(e.target.value)} />
      </label>
      {error && (
        <div className="detail-error" role="alert">
          {error}
        </div>
      )}
      <div className="edit-line">
        <button type="submit" className="primary" disabled={busy}>
          Send
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
