/**
 * A small client-side filter over live rows, speaking the common terms of the
 * history query language (docs/history.md): `status:5xx`, `status:404`,
 * `status:>=500`, `method:POST`, `host:api.*`, `path:/api` (prefix) or
 * `path:/api/*` (a pattern), `route:`, `upstream:`, `target:`, `listener:`,
 * `dur>200ms`, `size>10KB`, `is:error`, `is:websocket`, `-term` to negate,
 * and bare words (or "quoted phrases") matching the path or the host. The
 * full language runs server-side in history.search.
 */
import type { TrafficRow } from '../../live/traffic-buffer';
import { globMatcher } from './glob';

export type RowPredicate = (row: TrafficRow) => boolean;

export type LiveFilter =
  | { ok: true; empty: boolean; test: RowPredicate }
  | { ok: false; error: string; /** Offset of the bad term in the text. */ at: number; length: number };

interface Token {
  text: string;
  at: number;
}

function tokenize(text: string): Token[] | { error: string; at: number } {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i++;
      continue;
    }
    const start = i;
    let tok = '';
    while (i < text.length && !/\s/.test(text[i])) {
      if (text[i] === '"') {
        const end = text.indexOf('"', i + 1);
        if (end === -1) return { error: 'unclosed quote', at: i };
        tok += text.slice(i + 1, end);
        i = end + 1;
      } else {
        tok += text[i++];
      }
    }
    out.push({ text: tok, at: start });
  }
  return out;
}

function compare(op: string, n: number): (v: number) => boolean {
  switch (op) {
    case '>':
      return (v) => v > n;
    case '>=':
      return (v) => v >= n;
    case '<':
      return (v) => v < n;
    case '<=':
      return (v) => v <= n;
    default:
      return (v) => v === n;
  }
}

function statusTerm(value: string): RowPredicate | string {
  let m = /^([1-5])xx$/i.exec(value);
  if (m) {
    const cls = Number(m[1]);
    return (r) => Math.floor(r.status / 100) === cls;
  }
  m = /^(>=|<=|>|<|=)?(\d{3})$/.exec(value);
  if (m) {
    const test = compare(m[1] ?? '=', Number(m[2]));
    return (r) => r.status !== 0 && test(r.status);
  }
  return `"status" expects a status code (404), a class (5xx) or a comparison (>=500), not "${value}"`;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

function numberTerm(field: 'dur' | 'size', op: string, value: string): RowPredicate | string {
  const m = /^(\d+(?:\.\d+)?)([a-z]*)$/i.exec(value);
  const units = field === 'dur' ? DURATION_UNITS : SIZE_UNITS;
  const unit = (m?.[2] || (field === 'dur' ? 'ms' : 'b')).toLowerCase();
  if (!m || !(unit in units)) {
    return field === 'dur'
      ? `"dur" expects a duration like 200ms or 1.5s, not "${value}"`
      : `"size" expects a size like 512B, 10KB or 1MB, not "${value}"`;
  }
  const test = compare(op, Number(m[1]) * units[unit]);
  return field === 'dur' ? (r) => r.duration !== null && test(r.duration) : (r) => r.complete && test(r.bytesOut);
}

const TEXT_FIELDS = {
  method: (r: TrafficRow) => r.method,
  host: (r: TrafficRow) => r.host,
  path: (r: TrafficRow) => r.path,
  route: (r: TrafficRow) => r.route,
  upstream: (r: TrafficRow) => r.upstream,
  target: (r: TrafficRow) => r.target,
  listener: (r: TrafficRow) => r.listener,
  id: (r: TrafficRow) => r.id,
  error: (r: TrafficRow) => r.error?.code ?? null,
  cache: (r: TrafficRow) => r.cache,
} as const;
type TextField = keyof typeof TEXT_FIELDS;

const FLAGS: Record<string, RowPredicate> = {
  error: (r) => r.error !== null || r.status >= 500,
  aborted: (r) => r.aborted,
  websocket: (r) => r.websocket,
  pending: (r) => !r.complete,
};

export const FILTER_FIELDS = [...Object.keys(TEXT_FIELDS), 'status', 'dur', 'size', 'is'];

function term(text: string): RowPredicate | string {
  const cmp = /^(dur|size)(>=|<=|>|<|=|:)(.*)$/i.exec(text);
  if (cmp) {
    const field = cmp[1].toLowerCase() as 'dur' | 'size';
    const op = cmp[2] === ':' ? '=' : cmp[2];
    return numberTerm(field, op, cmp[3]);
  }
  const colon = text.indexOf(':');
  if (colon > 0 && /^[a-z-]+$/i.test(text.slice(0, colon))) {
    const field = text.slice(0, colon).toLowerCase();
    const value = text.slice(colon + 1);
    if (value === '') return `"${field}" needs a value (${field}:…)`;
    if (field === 'status') return statusTerm(value);
    if (field === 'is') return FLAGS[value.toLowerCase()] ?? `unknown flag "is:${value}" (try ${Object.keys(FLAGS).map((f) => `is:${f}`).join(', ')})`;
    if (field in TEXT_FIELDS) {
      const get = TEXT_FIELDS[field as TextField];
      // Paths match as a prefix (or a pattern with *); other fields match whole values (or a pattern).
      const match = globMatcher(value, field !== 'path' || value.includes('*'));
      return (r) => {
        const v = get(r);
        return v !== null && match(v);
      };
    }
    return `unknown field "${field}" (fields: ${FILTER_FIELDS.join(', ')})`;
  }
  // A bare word: a substring (or * pattern) of the path or the host.
  const word = text.toLowerCase();
  if (word.includes('*')) {
    const match = globMatcher(`*${word}*`, true);
    return (r) => match(r.path) || match(r.host);
  }
  return (r) => r.url.toLowerCase().includes(word) || r.host.toLowerCase().includes(word);
}

export function parseLiveFilter(text: string): LiveFilter {
  const tokens = tokenize(text);
  if (!Array.isArray(tokens)) return { ok: false, error: tokens.error, at: tokens.at, length: 1 };
  const tests: RowPredicate[] = [];
  for (const tok of tokens) {
    const negate = tok.text.startsWith('-') && tok.text.length > 1;
    const body = negate ? tok.text.slice(1) : tok.text;
    if (body === '' || body === '-') return { ok: false, error: 'a lone "-" negates nothing', at: tok.at, length: tok.text.length };
    const t = term(body);
    if (typeof t === 'string') return { ok: false, error: t, at: tok.at, length: tok.text.length };
    tests.push(negate ? (r) => !t(r) : t);
  }
  return { ok: true, empty: tests.length === 0, test: (r) => tests.every((t) => t(r)) };
}
