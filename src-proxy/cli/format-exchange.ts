/**
 * A captured exchange as text for a terminal, laid out like the messages
 * themselves (request line, headers, body; status line, headers, body) under
 * a few lines of what the gateway did. Bodies are shown decoded from their
 * Content-Encoding; binary ones by size and type.
 */
import { STATUS_CODES } from 'node:http';
import type { CapturedBody, CapturedExchange } from '../capture/captured-exchange.js';
import { readableBodyAsync } from '../capture/content-coding.js';
import { asText } from '../replay/body-diff.js';
import { localTimestamp } from './local-time.js';

const ms = (n: number) => `${n.toFixed(1)}ms`;

async function bodyLines(body: CapturedBody, headers: readonly string[]): Promise<string[]> {
  if (body.size === 0) return [];
  if (body.bytes === null) return [`[body not stored: ${body.size} bytes]`];
  const readable = await readableBodyAsync(body, headers);
  const shown = readable.body;
  const out: string[] = [];
  if (readable.error !== null) out.push(`[${readable.error}; shown as sent]`);
  // Stored bytes, not the wire's: a masked body was encoded again after masking.
  else if (readable.codings.length > 0) out.push(`[decoded from ${readable.codings.join(', ')}: ${body.bytes.byteLength} bytes stored → ${shown.size} bytes]`);
  const text = asText(readable.error === null ? shown : body);
  if (text === null) out.push(`[binary body: ${body.size} bytes${body.contentType ? `, ${body.contentType}` : ''}]`);
  else out.push(...text.split(/\r?\n/));
  // Truncated with every byte kept: the transfer ended before the body did (an abandoned upload, a reset).
  if (body.truncated) out.push(body.bytes.byteLength < body.size ? `[… truncated: ${body.bytes.byteLength} of ${body.size} bytes were kept]` : `[… the transfer ended early: only these ${body.size} bytes arrived]`);
  return out;
}

function headerLines(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) out.push(`${raw[i]}: ${raw[i + 1]}`);
  return out;
}

export async function formatExchange(x: CapturedExchange): Promise<string[]> {
  const t = x.timings;
  const out = [
    `exchange ${x.id} (${x.source}${x.replayOf ? ` of ${x.replayOf}` : ''}) at ${localTimestamp(x.startedAt)}${x.clientAddress ? ` from ${x.clientAddress}:${x.clientPort}` : ''}${x.listener ? ` on ${x.listener}` : ''}`,
    `route ${x.route ?? '-'} → upstream ${x.upstream ?? '-'} → ${x.target ?? '-'} (${x.attempts} attempt${x.attempts === 1 ? '' : 's'})`,
    `timing: queue ${ms(t.queue)}, connect ${ms(t.connect)}, ttfb ${ms(t.ttfb)}, total ${ms(t.total)}`,
  ];
  for (const p of x.policies) out.push(`policy ${p.policy} (${p.type}): ${p.outcome}${p.detail ? ` — ${p.detail}` : ''}`);
  if (x.error) out.push(`error ${x.error.code}: ${x.error.message}`);
  if (x.aborted) out.push('aborted: the connection closed before the exchange completed');
  const version = x.httpVersion.startsWith('2') ? 'HTTP/2' : `HTTP/${x.httpVersion}`;
  out.push('', `${x.method} ${x.url} ${version}`, ...headerLines(x.requestHeaders));
  const request = await bodyLines(x.requestBody, x.requestHeaders);
  if (request.length > 0) out.push('', ...request);
  if (x.status !== 0) {
    out.push('', `${version} ${x.status} ${STATUS_CODES[x.status] ?? ''}`.trimEnd(), ...headerLines(x.responseHeaders));
    const response = await bodyLines(x.responseBody, x.responseHeaders);
    if (response.length > 0) out.push('', ...response);
  }
  if (x.websocket !== null) {
    out.push('', `WebSocket: ${x.websocket.length} message${x.websocket.length === 1 ? '' : 's'}`);
    for (const m of x.websocket) {
      const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
      const shown = m.opcode === 'text' && m.compressed !== true ? data.toString('utf8') : `[${m.opcode}${m.compressed ? ', compressed' : ''}: ${m.size} bytes]`;
      out.push(`${localTimestamp(m.time)} ${m.direction === 'client' ? '→' : '←'} ${shown}${m.truncated ? ' […]' : ''}`);
    }
  }
  return out;
}
