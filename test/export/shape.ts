/**
 * A small closed-world shape checker for configs whose projects publish no
 * JSON Schema we can install (Traefik's dynamic configuration, Kong's decK
 * files): every key must be listed, values must have the listed type.
 * The field lists themselves live in traefik-fields.ts and kong-fields.ts.
 */
export type Shape =
  | 'string'
  | 'int'
  | 'number'
  | 'bool'
  | 'any'
  | { goDuration: true }
  | { enum: readonly (string | number)[] }
  | { list: Shape }
  | { map: Shape }
  | { fields: Record<string, Shape>; required?: readonly string[] }
  /** An object with exactly one of these keys (Traefik services and middlewares). */
  | { oneOf: Record<string, Shape> }
  | { anyOf: readonly Shape[] };

/** Go's time.ParseDuration syntax, as Traefik reads durations. */
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export function shapeProblems(value: unknown, shape: Shape, path = '$'): string[] {
  const out: string[] = [];
  check(value, shape, path, out);
  return out;
}

function check(v: unknown, s: Shape, path: string, out: string[]): void {
  if (s === 'any') return;
  if (s === 'string') {
    if (typeof v !== 'string') out.push(`${path}: expected a string, got ${JSON.stringify(v)}`);
    return;
  }
  if (s === 'int') {
    if (!Number.isInteger(v)) out.push(`${path}: expected an integer, got ${JSON.stringify(v)}`);
    return;
  }
  if (s === 'number') {
    if (typeof v !== 'number') out.push(`${path}: expected a number, got ${JSON.stringify(v)}`);
    return;
  }
  if (s === 'bool') {
    if (typeof v !== 'boolean') out.push(`${path}: expected true/false, got ${JSON.stringify(v)}`);
    return;
  }
  if ('goDuration' in s) {
    if (typeof v !== 'string' || !GO_DURATION.test(v)) out.push(`${path}: expected a Go duration such as 1m30s, got ${JSON.stringify(v)}`);
    return;
  }
  if ('enum' in s) {
    if (!s.enum.includes(v as string | number)) out.push(`${path}: ${JSON.stringify(v)} is not one of ${s.enum.join(', ')}`);
    return;
  }
  if ('anyOf' in s) {
    const attempts = s.anyOf.map((x) => shapeProblems(v, x, path));
    if (!attempts.some((a) => a.length === 0)) out.push(...attempts[0]);
    return;
  }
  if ('list' in s) {
    if (!Array.isArray(v)) out.push(`${path}: expected a list`);
    else v.forEach((x, i) => check(x, s.list, `${path}[${i}]`, out));
    return;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    out.push(`${path}: expected an object`);
    return;
  }
  const obj = v as Record<string, unknown>;
  if ('map' in s) {
    for (const [k, x] of Object.entries(obj)) check(x, s.map, `${path}.${k}`, out);
    return;
  }
  if ('oneOf' in s) {
    const keys = Object.keys(obj);
    if (keys.length !== 1 || !(keys[0] in s.oneOf)) {
      out.push(`${path}: expected exactly one of ${Object.keys(s.oneOf).join(', ')}, got ${keys.join(', ') || 'nothing'}`);
      return;
    }
    check(obj[keys[0]], s.oneOf[keys[0]], `${path}.${keys[0]}`, out);
    return;
  }
  for (const [k, x] of Object.entries(obj)) {
    if (!(k in s.fields)) out.push(`${path}.${k}: unknown field (known: ${Object.keys(s.fields).join(', ')})`);
    else check(x, s.fields[k], `${path}.${k}`, out);
  }
  for (const k of s.required ?? []) if (!(k in obj)) out.push(`${path}: missing ${k}`);
}
