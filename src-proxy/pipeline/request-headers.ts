/**
 * Changing the client's request headers before they go upstream. The upstream
 * request is built from `req.rawHeaders` (order, casing and repeats kept) while
 * the pipeline reads `req.headers`, so both are changed together. The first
 * change keeps a copy of the headers as received, which capture records.
 */
import type { Exchange } from './exchange.js';

function editableRawHeaders(ex: Exchange): string[] {
  ex.clientRawHeaders ??= ex.req.rawHeaders.slice();
  return ex.req.rawHeaders;
}

/** Removes every field named `name` (any case). */
export function removeRequestHeader(ex: Exchange, name: string): void {
  const lower = name.toLowerCase();
  const raw = editableRawHeaders(ex);
  let w = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === lower) continue;
    raw[w++] = raw[i];
    raw[w++] = raw[i + 1];
  }
  raw.length = w;
  delete ex.req.headers[lower];
}

/** Replaces every field named `name` with one value. */
export function setRequestHeader(ex: Exchange, name: string, value: string): void {
  removeRequestHeader(ex, name);
  addRequestHeader(ex, name, value);
}

/** Appends a field, keeping existing ones (`req.headers` joins them as node does). */
export function addRequestHeader(ex: Exchange, name: string, value: string): void {
  const lower = name.toLowerCase();
  editableRawHeaders(ex).push(name, value);
  const headers = ex.req.headers as Record<string, string | string[] | undefined>;
  const existing = headers[lower];
  if (existing === undefined) headers[lower] = lower === 'set-cookie' ? [value] : value;
  else if (Array.isArray(existing)) existing.push(value);
  else headers[lower] = lower === 'cookie' ? `${existing}; ${value}` : `${existing}, ${value}`;
}

/** Renames every field `from` to `to`, keeping values and positions. */
export function renameRequestHeader(ex: Exchange, from: string, to: string): void {
  const lower = from.toLowerCase();
  const values: string[] = [];
  const raw = ex.req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === lower) values.push(raw[i + 1]);
  if (values.length === 0) return;
  removeRequestHeader(ex, from);
  for (const v of values) addRequestHeader(ex, to, v);
}
