/**
 * Body comparison by what the bodies are: JSON structurally, text line by
 * line, anything else by size and SHA-256. Only captured bytes can be
 * compared: when either side was truncated (or not stored) the result is
 * flagged `partial`.
 */
import { createHash } from 'node:crypto';
import type { CapturedBody } from '../capture/captured-exchange.js';
import { diffJson, type JsonDiff } from './json-diff.js';
import { parseJsonExact } from './json-exact.js';
import { diffText, type TextDiff, type TextDiffOptions } from './text-diff.js';

export interface BodySide {
  size: number;
  /** Bytes captured (≤ size). */
  kept: number;
  contentType: string | null;
  truncated: boolean;
}

interface BodyDiffBase {
  /** Equal sizes and equal content (as far as it was captured). */
  same: boolean;
  a: BodySide;
  b: BodySide;
  /** Either side was truncated or its bytes were not stored: only the captured bytes were compared. */
  partial: boolean;
}

export type BodyDiff = BodyDiffBase &
  (
    | { kind: 'none' }
    | ({
        kind: 'json';
        /** Byte for byte equal; false when the JSON is equal but spelled differently (key order, spacing, 1 vs 1.0). */
        bytesEqual: boolean;
      } & Omit<JsonDiff, 'same'>)
    | { kind: 'text'; text: TextDiff }
    | { kind: 'binary'; sha256: { a: string; b: string } }
  );

export interface BodyDiffOptions extends TextDiffOptions {
  /** Cap on JSON changes listed; default 1000. */
  maxChanges?: number;
}

const JSONISH = /^application\/(json|[\w.+-]+\+json)$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function side(body: CapturedBody): BodySide {
  return { size: body.size, kept: body.bytes?.byteLength ?? 0, contentType: body.contentType, truncated: body.truncated };
}

const TEXTUAL = /^text\/|json|xml|javascript|csv|yaml|x-www-form-urlencoded|graphql/;

/** The body as text, or null when it is binary (declared so, or not valid UTF-8, or holding NULs). */
export function asText(body: CapturedBody): string | null {
  const bytes = body.bytes ?? new Uint8Array(0);
  const ct = body.contentType;
  if (ct !== null && !TEXTUAL.test(ct)) return null;
  try {
    const text = utf8.decode(bytes);
    return text.includes('\u0000') ? null : text;
  } catch {
    return null;
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: parseJsonExact(text) };
  } catch {
    return { ok: false };
  }
}

export function diffBodies(a: CapturedBody, b: CapturedBody, opts: BodyDiffOptions = {}): BodyDiff {
  const base: BodyDiffBase = {
    same: false,
    a: side(a),
    b: side(b),
    partial: a.truncated || b.truncated || (a.bytes === null && a.size > 0) || (b.bytes === null && b.size > 0),
  };
  const sameSize = a.size === b.size;
  if ((a.bytes?.byteLength ?? 0) === 0 && (b.bytes?.byteLength ?? 0) === 0) {
    // Two empty bodies are the same; two that were not stored (dropped under load, never kept by a HAR)
    // cannot be told apart: "same" would claim what nothing was compared for.
    return { ...base, kind: 'none', same: sameSize && !base.partial };
  }
  const ta = asText(a);
  const tb = asText(b);
  if (ta !== null && tb !== null) {
    const looksJson = (t: string) => /^\s*[[{]/.test(t);
    const declared = JSONISH.test(a.contentType ?? '') || JSONISH.test(b.contentType ?? '');
    if ((declared || (looksJson(ta) && looksJson(tb))) && ta.trim() !== '' && tb.trim() !== '') {
      const ja = parseJson(ta);
      const jb = parseJson(tb);
      if (ja.ok && jb.ok) {
        const d = diffJson(ja.value, jb.value, { maxChanges: opts.maxChanges });
        // Equal JSON is the same body even when spelled differently (key order, spacing, 1 vs 1.0);
        // a cut body is only the same when the sizes match too.
        const same = d.same && (!base.partial || sameSize);
        return { ...base, kind: 'json', same, bytesEqual: same && sameSize && ta === tb, changes: d.changes, truncated: d.truncated };
      }
    }
    const text = diffText(ta, tb, opts);
    return { ...base, kind: 'text', same: text.same && sameSize, text };
  }
  const ha = sha256(a.bytes);
  const hb = sha256(b.bytes);
  return { ...base, kind: 'binary', same: sameSize && ha === hb, sha256: { a: ha, b: hb } };
}

function sha256(bytes: Uint8Array | null): string {
  return createHash('sha256')
    .update(bytes ?? new Uint8Array(0))
    .digest('hex');
}
