/**
 * Vary (RFC 9111 §4.1): a stored response is only selected for a request
 * whose headers named by its Vary match the request that stored it. Values
 * are normalised first so that equivalent requests share one variant:
 * whitespace around commas collapses, and for the Accept-* fields case is
 * folded (Accept-Encoding tokens are also sorted: their order means nothing).
 */
import { headerValue } from './freshness.js';
import type { ResponseHeaders } from '../pipeline/response-sink.js';

/** Lower-case, sorted, de-duplicated Vary names; '*' when the response varies on everything. */
export function parseVary(headers: ResponseHeaders): readonly string[] | '*' {
  const raw = headerValue(headers, 'vary');
  if (raw === undefined) return [];
  const names = new Set<string>();
  for (const part of raw.split(',')) {
    const n = part.trim().toLowerCase();
    if (n === '*') return '*';
    if (n !== '') names.add(n);
  }
  return [...names].sort();
}

const ABSENT = '\u0000';
const CASE_INSENSITIVE = new Set(['accept', 'accept-charset', 'accept-encoding', 'accept-language']);

export function normaliseVaryValue(name: string, value: string | string[] | undefined): string {
  if (value === undefined) return ABSENT;
  const joined = Array.isArray(value) ? value.join(',') : value;
  let parts = joined.split(',').map((p) => p.trim().replace(/\s*;\s*/g, ';').replace(/\s+/g, ' '));
  parts = parts.filter((p) => p !== '');
  if (CASE_INSENSITIVE.has(name)) parts = parts.map((p) => p.toLowerCase());
  if (name === 'accept-encoding') parts.sort();
  return parts.join(',');
}

/** The secondary key: the normalised request values of the Vary names. */
export function variantKey(names: readonly string[], requestHeaders: Record<string, string | string[] | undefined>): string {
  if (names.length === 0) return '';
  let out = '';
  for (const n of names) out += `${n}=${normaliseVaryValue(n, requestHeaders[n])}\n`;
  return out;
}
