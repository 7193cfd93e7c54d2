/**
 * An ExchangeDiff as text for a terminal: what differs, section by section,
 * in the manner of `git diff --stat` plus the changes themselves (JSON paths,
 * text hunks, header lines). Equal sections are one line each, or left out;
 * a line longer than MAX_LINE is cut with a count of what was left out.
 */
import type { BodyDiff } from '../replay/body-diff.js';
import type { ExchangeDiff, ValueDiff, WebSocketDiff } from '../replay/diff.js';
import type { HeaderDiff } from '../replay/header-diff.js';
import { clipLine } from './clip-line.js';

const show = (v: unknown): string => (v === undefined ? '(absent)' : typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));
const ms = (n: number) => `${n.toFixed(1)}ms`;
const signed = (n: number, unit: (n: number) => string) => (n >= 0 ? '+' : '-') + unit(Math.abs(n));
const bytes = (n: number) => `${n} B`;

function changed<T>(label: string, v: ValueDiff<T>, out: string[]): void {
  if (!v.same) out.push(`${label}: ${v.a ?? '-'} → ${v.b ?? '-'}`);
}

function headers(label: string, d: HeaderDiff, out: string[]): void {
  if (d.same) return;
  out.push(`${label}:`);
  for (const h of d.removed) for (const v of h.values) out.push(`  - ${h.name}: ${v}`);
  for (const h of d.added) for (const v of h.values) out.push(`  + ${h.name}: ${v}`);
  for (const h of d.changed) out.push(`  ~ ${h.name}: ${h.a.join(', ')} → ${h.b.join(', ')}`);
}

function body(label: string, d: BodyDiff, out: string[]): void {
  const partial = d.partial ? ' (only the captured bytes were compared)' : '';
  if (d.same) {
    if (d.kind !== 'none') out.push(`${label}: same (${d.kind}, ${bytes(d.a.size)})${partial}`);
    return;
  }
  const sizes = d.a.size === d.b.size ? bytes(d.a.size) : `${bytes(d.a.size)} → ${bytes(d.b.size)}`;
  switch (d.kind) {
    case 'none':
      out.push(d.partial ? `${label}: not stored (${sizes}), so not compared` : `${label}: differs (${sizes})`);
      return;
    case 'binary':
      out.push(`${label}: binary, differs (${sizes}; sha256 ${d.sha256.a.slice(0, 12)}… → ${d.sha256.b.slice(0, 12)}…)${partial}`);
      return;
    case 'json':
      out.push(`${label}: JSON, ${d.changes.length}${d.truncated ? '+' : ''} change${d.changes.length === 1 ? '' : 's'} (${sizes})${partial}`);
      for (const c of d.changes) {
        if (c.kind === 'added') out.push(`  + ${c.path}: ${show(c.b)}`);
        else if (c.kind === 'removed') out.push(`  - ${c.path}: ${show(c.a)}`);
        else out.push(`  ~ ${c.path}: ${show(c.a)} → ${show(c.b)}`);
      }
      if (d.truncated) out.push('  … more changes not listed');
      return;
    case 'text':
      out.push(`${label}: text, +${d.text.added} -${d.text.removed} lines (${sizes})${d.text.approximate ? ', approximate' : ''}${partial}`);
      for (const h of d.text.hunks) {
        out.push(`  @@ -${h.aStart},${h.aLines} +${h.bStart},${h.bLines} @@`);
        for (const l of h.lines) out.push(`  ${l.op}${l.text}`);
      }
      return;
  }
}

function messageDifference(ws: WebSocketDiff): string {
  switch (ws.difference) {
    case 'direction':
      return 'sent the other way';
    case 'opcode':
      return 'another opcode';
    case 'missing':
      return `${ws.a < ws.b ? 'a' : 'b'} has no such message`;
    default:
      return 'its bytes differ';
  }
}

/** `ignored`: the header names left out of the comparison, said once so a reader knows. */
export function formatDiff(d: ExchangeDiff, ignored: readonly string[] = []): string[] {
  const out: string[] = [`a: ${d.a}`, `b: ${d.b}`];
  if (ignored.length > 0) out.push(`headers not compared: ${ignored.join(', ')}`);
  changed('status', d.status, out);
  changed('error', d.error, out);
  changed('method', d.request.method, out);
  changed('host', d.request.host, out);
  changed('url', d.request.url, out);
  headers('request headers', d.request.headers, out);
  body('request body', d.request.body, out);
  headers('response headers', d.response.headers, out);
  body('response body', d.response.body, out);
  const ws = d.websocket;
  if (ws !== null) {
    const partial = ws.partial ? ' (messages cut at the capture cap: only their kept bytes were compared)' : '';
    if (ws.same) out.push(`websocket: same (${ws.a} message${ws.a === 1 ? '' : 's'})${partial}`);
    else out.push(`websocket: ${ws.a} → ${ws.b} messages, first difference at message ${ws.firstDifference! + 1}: ${messageDifference(ws)}${partial}`);
  }
  changed('route', d.routing.route, out);
  changed('upstream', d.routing.upstream, out);
  changed('target', d.routing.target, out);
  const t = d.timing;
  out.push(`timing: total ${ms(t.total.a)} → ${ms(t.total.b)} (${signed(t.total.delta, ms)}), ttfb ${ms(t.ttfb.a)} → ${ms(t.ttfb.b)} (${signed(t.ttfb.delta, ms)})`);
  out.push(`size: request ${bytes(d.size.request.a)} → ${bytes(d.size.request.b)}, response ${bytes(d.size.response.a)} → ${bytes(d.size.response.b)}`);
  out.push(d.same ? 'same: status, request and response are equal (timings and routing aside)' : 'the exchanges differ');
  // A one-line body (minified JSON, base64, a 1 MiB blob) is one line of a text diff: cut for the terminal.
  return out.map((line) => clipLine(line));
}
