/**
 * Body transformations of the transform policy, pure functions over bytes:
 * JSON ↔ XML conversion and JSON field pick / rename / remove on dotted paths.
 * XML → JSON unwraps the single root element, so that a JSON body sent as
 * XML (`json-to-xml` with `xmlRoot`) and answered in the same shape comes
 * back as the JSON the client sent. Attributes become `@name` keys.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

export interface BodyTransform {
  readonly convert: 'json-to-xml' | 'xml-to-json' | null;
  readonly xmlRoot: string;
  readonly pick: readonly string[] | null;
  readonly rename: readonly (readonly [from: string, to: string])[];
  readonly remove: readonly string[];
}

export function compileBodyTransform(t: { convert?: 'json-to-xml' | 'xml-to-json'; xmlRoot?: string; pick?: string[]; rename?: Record<string, string>; remove?: string[] } | undefined): BodyTransform | null {
  if (!t) return null;
  return {
    convert: t.convert ?? null,
    xmlRoot: t.xmlRoot ?? 'root',
    pick: t.pick ?? null,
    rename: Object.entries(t.rename ?? {}),
    remove: t.remove ?? [],
  };
}

/** The media type a body must have for the transform to apply. */
export function inputKind(t: BodyTransform): 'json' | 'xml' {
  return t.convert === 'xml-to-json' ? 'xml' : 'json';
}

export function isKind(contentType: string | undefined, kind: 'json' | 'xml'): boolean {
  const t = contentType?.split(';')[0].trim().toLowerCase() ?? '';
  return kind === 'json' ? t === 'application/json' || t.endsWith('+json') : t === 'application/xml' || t === 'text/xml' || t.endsWith('+xml');
}

export class TransformError extends Error {}

/** Applies the transform; returns the new body and its content type. Throws TransformError on a body that does not parse. */
export function transformBody(t: BodyTransform, body: Buffer): { body: Buffer; contentType: string } {
  let value: unknown;
  const text = body.toString('utf8');
  if (t.convert === 'xml-to-json') {
    const valid = XMLValidator.validate(text);
    if (valid !== true) throw new TransformError(`the body is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
    value = unwrapRoot(new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', ignoreDeclaration: true, ignorePiTags: true }).parse(text));
  } else {
    try {
      value = text.trim() === '' ? null : JSON.parse(text);
    } catch (e) {
      throw new TransformError(`the body is not valid JSON (${(e as Error).message})`);
    }
  }
  value = applyFieldOps(t, value);
  if (t.convert === 'json-to-xml') {
    const root = Array.isArray(value) ? { item: value } : value;
    const xml = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', suppressEmptyNode: true }).build({ [t.xmlRoot]: root }) as string;
    return { body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>${xml}`), contentType: 'application/xml; charset=utf-8' };
  }
  return { body: Buffer.from(JSON.stringify(value)), contentType: 'application/json; charset=utf-8' };
}

function unwrapRoot(doc: Record<string, unknown>): unknown {
  const keys = Object.keys(doc);
  return keys.length === 1 ? doc[keys[0]] : doc;
}

/** Field operations on an object, or on each object of an array. */
export function applyFieldOps(t: BodyTransform, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => applyFieldOps(t, v));
  if (!isObject(value)) return value;
  let out: Record<string, unknown> = structuredClone(value);
  if (t.pick !== null) {
    const picked: Record<string, unknown> = {};
    for (const path of t.pick) {
      const v = getPath(out, path);
      if (v !== undefined) setPath(picked, path, v);
    }
    out = picked;
  }
  for (const [from, to] of t.rename) {
    const v = getPath(out, from);
    if (v === undefined) continue;
    deletePath(out, from);
    setPath(out, to, v);
  }
  for (const path of t.remove) deletePath(out, path);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!isObject(cur) || !Object.hasOwn(cur, key)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(cur[key])) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

function deletePath(obj: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  let cur: unknown = obj;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(cur)) return;
    cur = cur[key];
  }
  if (isObject(cur)) delete cur[keys[keys.length - 1]];
}
