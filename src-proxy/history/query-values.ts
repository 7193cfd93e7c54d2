/** The values of `key:value` filters: match text, numbers with units and comparisons, times. */
import { QuerySyntaxError, type CompareOp, type MatchField, type NumberField, type QueryTermBody, type TimeValue } from './query-ast.js';

const SOURCES = new Set(['live', 'replay', 'import']);
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const RELATIVE_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A value as written in the query. */
export interface Value {
  text: string;
  quoted: boolean;
  position: number;
  /** Raw length in the query, quotes included. */
  length: number;
}

export function matchValue(field: MatchField, key: string, v: Value): string {
  const text = v.text;
  if (text === '') throw new QuerySyntaxError(`"${key}" needs a value`, v.position, Math.max(1, v.length));
  switch (field) {
    case 'method':
    case 'cache':
    case 'errorCode':
      return text.toUpperCase();
    case 'host':
    case 'scheme':
      return text.toLowerCase();
    case 'source': {
      const s = text.toLowerCase();
      if (!SOURCES.has(s)) throw new QuerySyntaxError(`"source" is live, replay or import, not "${text}"`, v.position, v.length);
      return s;
    }
    default:
      return text;
  }
}

export function numberTerm(field: NumberField, key: string, op: string, v: Value, keyPos: number, keyAndOp: number): QueryTermBody {
  let cmp: CompareOp | null = op === ':' ? null : (op as CompareOp);
  let text = v.text;
  let offset = 0;
  if (cmp === null) {
    const m = /^(>=|<=|>|<|=)/.exec(text);
    if (m !== null) {
      cmp = m[1] as CompareOp;
      text = text.slice(m[1].length);
      offset = m[1].length;
    }
  }
  const at = v.position + offset;
  const len = Math.max(1, v.length - offset);
  if (field === 'status') {
    if (cmp === null) {
      const cls = /^([1-5])xx$/i.exec(text);
      if (cls !== null) {
        const min = Number(cls[1]) * 100;
        return { kind: 'statusClass', min, max: min + 99 };
      }
    }
    if (!/^\d{1,3}$/.test(text)) {
      throw new QuerySyntaxError(
        `"${key}" expects a status code (404), a class (5xx) or a comparison (>=500), not "${v.text}"`,
        at,
        len,
      );
    }
    return { kind: 'compare', field, op: cmp ?? '=', value: Number(text) };
  }
  if (field === 'attempts') {
    if (!/^\d+$/.test(text)) throw new QuerySyntaxError(`"${key}" expects a whole number, not "${text}"`, at, len);
    return { kind: 'compare', field, op: cmp ?? '=', value: Number(text) };
  }
  const isDuration = field === 'duration';
  if (cmp === null) {
    const example = isDuration ? `${key}>200ms` : `${key}>10KB`;
    throw new QuerySyntaxError(`"${key}" needs a comparison such as ${example}`, keyPos, keyAndOp + v.length);
  }
  const m = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(text);
  const units = isDuration ? DURATION_UNITS : SIZE_UNITS;
  const factor = m === null ? undefined : m[2] === '' ? 1 : units[isDuration ? m[2] : m[2].toLowerCase()];
  if (m === null || factor === undefined) {
    const hint = isDuration ? 'a duration such as 200ms, 1.5s or 2m' : 'a size such as 512B, 10KB or 2MB';
    throw new QuerySyntaxError(`"${key}" expects ${hint}, not "${text}"`, at, len);
  }
  return { kind: 'compare', field, op: cmp, value: Number(m[1]) * factor };
}

/** A space may stand for the `T` (in a quoted value): that is how the command line prints times, to be pasted back. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export function parseTime(v: Value, key: string): TimeValue {
  const rel = /^-(\d+(?:\.\d+)?)(s|m|h|d|w)$/.exec(v.text);
  if (rel !== null) return { relativeMs: -Math.round(Number(rel[1]) * RELATIVE_UNITS[rel[2]]) };
  const m = ISO.exec(v.text);
  const bad = (): never => {
    throw new QuerySyntaxError(
      `"${key}" expects a date (2026-11-20), a date-time (2026-11-21T12:00, or quoted "2026-11-21 12:00", optionally with Z or +01:00) or a relative time (-15m, -2h, -7d), not "${v.text}"`,
      v.position,
      Math.max(1, v.length),
    );
  };
  if (m === null) return bad();
  const [y, mo, d, h = '0', mi = '0', sec = '0', ms = '0'] = m.slice(1, 8).map((x) => x);
  const parts = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(sec), Number(ms.padEnd(3, '0'))];
  const [Y, M, D, H, I, S, L] = parts;
  if (M < 1 || M > 12 || D < 1 || D > 31 || H > 23 || I > 59 || S > 59) return bad();
  const zone = m[8];
  let time: number;
  if (zone === undefined) {
    // Built in a leap year and then moved: Date reads years 0–99 as 1900–1999.
    const local = new Date(2000, M - 1, D, H, I, S, L);
    local.setFullYear(Y);
    if (local.getDate() !== D) return bad();
    time = local.getTime();
  } else {
    time = new Date(Date.UTC(2000, M - 1, D, H, I, S, L)).setUTCFullYear(Y);
    if (new Date(time).getUTCDate() !== D) return bad();
    if (zone.toUpperCase() !== 'Z') {
      const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
      // UTC offsets run from -12:00 to +14:00: "+99:00" is a typo, not a zone.
      if (Number(z[2]) > 14 || Number(z[3]) > 59) return bad();
      const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000;
      time -= z[1] === '+' ? offset : -offset;
    }
  }
  return { absolute: time };
}
