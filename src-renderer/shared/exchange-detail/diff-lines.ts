/** `diff.exchanges` result → a readable list of changes. */
import type { ResultOf } from '../../client/contract';

export type ExchangeDiff = ResultOf<'diff.exchanges'>;
type HeaderDiff = ExchangeDiff['request']['headers'];
type BodyDiff = ExchangeDiff['request']['body'];

export interface DiffLine {
  section: string;
  text: string;
  kind: 'same' | 'changed' | 'added' | 'removed' | 'info';
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
const clip = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n)}…` : s);

function headerLines(section: string, d: HeaderDiff): DiffLine[] {
  const out: DiffLine[] = [];
  for (const h of d.added) out.push({ section, kind: 'added', text: `+ ${h.name}: ${h.values.join(', ')}` });
  for (const h of d.removed) out.push({ section, kind: 'removed', text: `− ${h.name}: ${h.values.join(', ')}` });
  for (const h of d.changed) out.push({ section, kind: 'changed', text: `${h.name}: ${h.a.join(', ')} → ${h.b.join(', ')}` });
  return out;
}

function bodyLines(section: string, d: BodyDiff): DiffLine[] {
  if (d.same) return [];
  const out: DiffLine[] = [];
  const note = d.partial ? ' (only the captured part compared)' : '';
  if (d.a.size !== d.b.size) out.push({ section, kind: 'changed', text: `size ${d.a.size} → ${d.b.size} bytes${note}` });
  else if (note) out.push({ section, kind: 'info', text: note.trim() });
  switch (d.kind) {
    case 'json':
      for (const c of d.changes.slice(0, 200)) {
        const text =
          c.kind === 'added' ? `+ ${c.path} = ${clip(show(c.b))}` : c.kind === 'removed' ? `− ${c.path} (was ${clip(show(c.a))})` : `${c.path}: ${clip(show(c.a))} → ${clip(show(c.b))}`;
        out.push({ section, kind: c.kind, text });
      }
      if (d.truncated || d.changes.length > 200) out.push({ section, kind: 'info', text: 'more changes not listed' });
      break;
    case 'text':
      out.push({ section, kind: 'changed', text: `${d.text.added} line(s) added, ${d.text.removed} removed` });
      for (const h of d.text.hunks.slice(0, 5)) {
        for (const l of h.lines.slice(0, 40)) {
          if (l.op === ' ') continue;
          out.push({ section, kind: l.op === '+' ? 'added' : 'removed', text: `${l.op} ${clip(l.text)}` });
        }
      }
      break;
    case 'binary':
      out.push({ section, kind: 'changed', text: `binary content differs (sha256 ${d.sha256.a.slice(0, 12)}… → ${d.sha256.b.slice(0, 12)}…)` });
      break;
    default:
      break;
  }
  return out;
}

export function describeDiff(d: ExchangeDiff): DiffLine[] {
  const out: DiffLine[] = [];
  if (!d.status.same) out.push({ section: 'Status', kind: 'changed', text: `${d.status.a} → ${d.status.b}` });
  const req = d.request;
  for (const [name, v] of [
    ['method', req.method],
    ['host', req.host],
    ['url', req.url],
  ] as const) {
    if (!v.same) out.push({ section: 'Request', kind: 'changed', text: `${name}: ${v.a} → ${v.b}` });
  }
  out.push(...headerLines('Request headers', req.headers));
  out.push(...bodyLines('Request body', req.body));
  out.push(...headerLines('Response headers', d.response.headers));
  out.push(...bodyLines('Response body', d.response.body));
  for (const [name, v] of Object.entries(d.routing)) {
    if (!v.same) out.push({ section: 'Routing', kind: 'changed', text: `${name}: ${show(v.a)} → ${show(v.b)}` });
  }
  if (!d.error.same) out.push({ section: 'Error', kind: 'changed', text: `${show(d.error.a)} → ${show(d.error.b)}` });
  const ws = d.websocket;
  if (ws !== null && !ws.same) {
    const what = { direction: 'sent the other way', opcode: 'another opcode', bytes: 'its bytes differ', missing: `${ws.a < ws.b ? 'a' : 'b'} has no such message` }[ws.difference ?? 'bytes'];
    out.push({ section: 'WebSocket', kind: 'changed', text: `${ws.a} → ${ws.b} messages, first difference at message ${(ws.firstDifference ?? 0) + 1}: ${what}` });
  }
  if (ws?.partial) out.push({ section: 'WebSocket', kind: 'info', text: 'messages cut at the capture cap: only their kept bytes were compared' });
  for (const [name, t] of Object.entries(d.timing)) {
    out.push({ section: 'Timing', kind: 'info', text: `${name}: ${t.a.toFixed(1)} → ${t.b.toFixed(1)} ms (${t.delta >= 0 ? '+' : ''}${t.delta.toFixed(1)})` });
  }
  out.push({ section: 'Size', kind: 'info', text: `response ${d.size.response.a} → ${d.size.response.b} bytes, request ${d.size.request.a} → ${d.size.request.b}` });
  if (d.same) out.unshift({ section: 'Summary', kind: 'same', text: 'Status, request line, headers, bodies and messages are the same.' });
  return out;
}
