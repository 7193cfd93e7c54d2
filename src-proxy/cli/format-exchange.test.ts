import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { makeExchange } from '../../test/history/fixtures.js';
import type { WebSocketMessage } from '../capture/captured-exchange.js';
import { diffExchanges } from '../replay/diff.js';
import { formatDiff } from './format-diff.js';
import { formatExchange } from './format-exchange.js';
import { localTimestamp } from './local-time.js';
import { printable } from './printable.js';

const body = (bytes: Buffer, contentType: string | null, size = bytes.length) => ({ bytes, size, truncated: size > bytes.length, contentType });

describe('formatExchange', () => {
  it('shows a gzip body decoded, a binary one by size, a cut one with what was kept, and the failure', async () => {
    const x = makeExchange(1, {
      method: 'POST',
      requestHeaders: ['Host', 'api.localhost', 'Content-Type', 'application/octet-stream'],
      requestBody: body(Buffer.from([0, 1, 2, 255]), 'application/octet-stream'),
      responseHeaders: ['Content-Type', 'text/plain', 'Content-Encoding', 'gzip'],
      responseBody: body(gzipSync('first line\nsecond line'), 'text/plain'),
      policies: [{ policy: 'limit', type: 'rate-limit', outcome: 'allowed', detail: 'ip:127.0.0.1' }],
      error: { code: 'UPSTREAM_RESET', message: 'the upstream reset the connection' },
      status: 502,
    });
    const out = await formatExchange(x);
    expect(out[0]).toBe(`exchange ${x.id} (live) at ${localTimestamp(x.startedAt)} from 127.0.0.1:50001 on main`);
    expect(out.slice(1, 5)).toEqual([
      'route users → upstream users → 127.0.0.1:9001 (1 attempt)',
      'timing: queue 0.5ms, connect 1.0ms, ttfb 10.0ms, total 12.5ms',
      'policy limit (rate-limit): allowed — ip:127.0.0.1',
      'error UPSTREAM_RESET: the upstream reset the connection',
    ]);
    expect(out).toContain('POST /users/1?page=1 HTTP/1.1');
    expect(out).toContain('[binary body: 4 bytes, application/octet-stream]');
    expect(out).toContain('HTTP/1.1 502 Bad Gateway');
    const decoded = out.indexOf(`[decoded from gzip: ${x.responseBody.bytes!.byteLength} bytes stored → 22 bytes]`);
    expect(decoded).toBeGreaterThan(0);
    expect(out.slice(decoded + 1)).toEqual(['first line', 'second line']);

    const cut = await formatExchange(makeExchange(2, { responseBody: body(Buffer.from('{"a":'), 'application/json', 4096) }));
    expect(cut.slice(-2)).toEqual(['{"a":', '[… truncated: 5 of 4096 bytes were kept]']);
    const cutShort = await formatExchange(makeExchange(4, { requestBody: { bytes: Buffer.from('half-body'), size: 9, truncated: true, contentType: 'text/plain' } }));
    expect(cutShort).toContain('[… the transfer ended early: only these 9 bytes arrived]');
    const dropped = await formatExchange(makeExchange(3, { responseBody: { bytes: null, size: 900, truncated: false, contentType: 'text/plain' } }));
    expect(dropped.at(-1)).toBe('[body not stored: 900 bytes]');
  });
});

describe('formatDiff', () => {
  it('lists text hunks, binary hashes and header changes; equal bodies in one line', async () => {
    const a = makeExchange(1, {
      requestHeaders: ['Host', 'api.localhost', 'Accept', 'text/plain', 'X-Old', '1'],
      responseHeaders: ['Content-Type', 'text/plain'],
      responseBody: body(Buffer.from('one\ntwo\nthree\n'), 'text/plain'),
      requestBody: body(Buffer.from([1, 2, 3]), 'application/octet-stream'),
    });
    const b = makeExchange(2, {
      url: a.url,
      requestHeaders: ['Host', 'api.localhost', 'Accept', 'text/html', 'X-New', '2'],
      responseHeaders: ['Content-Type', 'text/plain'],
      responseBody: body(Buffer.from('one\n2\nthree\n'), 'text/plain'),
      requestBody: body(Buffer.from([1, 2, 4]), 'application/octet-stream'),
      status: 201,
    });
    const out = formatDiff(await diffExchanges(a, b));
    expect(out).toContain('status: 200 → 201');
    expect(out).toEqual(expect.arrayContaining(['request headers:', '  - X-Old: 1', '  + X-New: 2', '  ~ Accept: text/plain → text/html']));
    expect(out.find((l) => l.startsWith('request body:'))).toMatch(/^request body: binary, differs \(3 B; sha256 [0-9a-f]{12}… → [0-9a-f]{12}…\)$/);
    const text = out.indexOf('response body: text, +1 -1 lines (14 B → 12 B)');
    expect(text).toBeGreaterThan(0);
    expect(out.slice(text + 1, text + 6)).toEqual(['  @@ -1,3 +1,3 @@', '   one', '  -two', '  +2', '   three']);
    expect(out.at(-1)).toBe('the exchanges differ');
    const same = formatDiff(await diffExchanges(a, a));
    expect(same).toContain('response body: same (text, 14 B)');
    expect(same.at(-1)).toBe('same: status, request and response are equal (timings and routing aside)');
  });
});

describe('diff of long lines', () => {
  it('cuts a megabyte line of a text diff for the terminal, saying how much was left out', async () => {
    const big = (ch: string) => ({ bytes: Buffer.alloc(1024 * 1024, ch), size: 1024 * 1024, truncated: false, contentType: 'text/plain' });
    const a = makeExchange(1, { responseBody: big('a') });
    const lines = formatDiff(await diffExchanges(a, { ...a, id: 'b', responseBody: big('b') }));
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(1100);
    // The line is "  -" and the body: 1000 characters shown.
    expect(lines).toContain(`  -${'a'.repeat(997)}… (${1024 * 1024 - 997} more characters)`);
  });
});

describe('diff of errors', () => {
  it('two exchanges that failed differently are not the same', async () => {
    const a = makeExchange(1, { status: 502, error: { code: 'UPSTREAM_RESET', message: 'reset' } });
    const b = { ...a, id: 'b', error: { code: 'UPSTREAM_CONNECT_FAILED', message: 'refused' } };
    const d = await diffExchanges(a, b);
    expect(d.same).toBe(false);
    expect(formatDiff(d)).toContain('error: UPSTREAM_RESET → UPSTREAM_CONNECT_FAILED');
  });
});

describe('diff of WebSocket sessions', () => {
  it('compares the messages: a session that said something else is not the same', async () => {
    const msg = (direction: 'client' | 'upstream', text: string) => ({ time: 0, direction, opcode: 'text' as const, data: Buffer.from(text), size: text.length, truncated: false });
    const a = makeExchange(1, { status: 101, websocket: [msg('client', 'hello'), msg('upstream', 'hello')] });
    const b = { ...a, id: 'b', websocket: [msg('client', 'hello'), msg('upstream', 'HELLO')] };
    const d = await diffExchanges(a, b);
    expect(d.same).toBe(false);
    expect(d.websocket).toEqual({ same: false, a: 2, b: 2, firstDifference: 1, difference: 'bytes', partial: false });
    expect(formatDiff(d)).toContain('websocket: 2 → 2 messages, first difference at message 2: its bytes differ');
    const same = await diffExchanges(a, { ...a, id: 'c' });
    expect(same.same).toBe(true);
    expect(formatDiff(same)).toContain('websocket: same (2 messages)');
    const shorter = await diffExchanges(a, { ...a, id: 'd', websocket: a.websocket!.slice(0, 1) });
    expect(shorter.websocket).toEqual({ same: false, a: 2, b: 1, firstDifference: 1, difference: 'missing', partial: false });
    expect(formatDiff(shorter)).toContain('websocket: 2 → 1 messages, first difference at message 2: b has no such message');
    expect((await diffExchanges(makeExchange(2), makeExchange(3))).websocket).toBeNull();
  });

  it('compares what was said, not the wire size: the same session with permessage-deflate is the same', async () => {
    const msg = (text: string, over: Partial<WebSocketMessage> = {}): WebSocketMessage => ({ time: 0, direction: 'client', opcode: 'text', data: Buffer.from(text), size: text.length, truncated: false, ...over });
    const plain = makeExchange(1, { status: 101, websocket: [msg('hello hello hello'), msg('bye', { direction: 'upstream' })] });
    const deflated = { ...plain, id: 'z', websocket: [msg('hello hello hello', { size: 9, inflated: true }), msg('bye', { direction: 'upstream', size: 5, inflated: true })] };
    const d = await diffExchanges(plain, deflated);
    expect(d.websocket).toEqual({ same: true, a: 2, b: 2, firstDifference: null, difference: null, partial: false });
    expect(d.same).toBe(true);
    // What differs is named.
    const other = (m: WebSocketMessage[]) => diffExchanges(plain, { ...plain, id: 'o', websocket: m });
    expect((await other([msg('hello hello hello', { direction: 'upstream' }), plain.websocket![1]])).websocket).toMatchObject({ firstDifference: 0, difference: 'direction' });
    expect(formatDiff(await other([msg('hello hello hello', { opcode: 'binary' }), plain.websocket![1]]))).toContain('websocket: 2 → 2 messages, first difference at message 1: another opcode');
  });

  it('never calls a message cut at the cap the same as one that was not, and says when only kept bytes were compared', async () => {
    const kept = Buffer.alloc(64, 0x61);
    const msg = (over: Partial<WebSocketMessage>): WebSocketMessage => ({ time: 0, direction: 'client', opcode: 'text', data: kept, size: 64, truncated: false, ...over });
    const x = (m: WebSocketMessage) => makeExchange(1, { status: 101, websocket: [m] });
    // The same kept bytes, but one message went on past them.
    const cutVsWhole = await diffExchanges(x(msg({ size: 100, truncated: true })), x(msg({})));
    expect(cutVsWhole.websocket).toMatchObject({ same: false, difference: 'bytes' });
    // Both cut, plain: lengths are payload lengths.
    expect((await diffExchanges(x(msg({ size: 100, truncated: true })), x(msg({ size: 200, truncated: true })))).websocket).toMatchObject({ same: false, difference: 'bytes' });
    const bothCut = await diffExchanges(x(msg({ size: 100, truncated: true })), x(msg({ size: 70, truncated: true, inflated: true })));
    expect(bothCut.websocket).toMatchObject({ same: true, partial: true });
    expect(formatDiff(bothCut)).toContain('websocket: same (1 message) (messages cut at the capture cap: only their kept bytes were compared)');
  });
});

describe('printable', () => {
  it('shows control characters other than tab and newline as \\xNN, bidi and zero-width characters as \\uNNNN', () => {
    expect(printable('a\u001b[2J\u001b]0;title\u0007b\rc\td\u009be\u007f')).toBe('a\\x1b[2J\\x1b]0;title\\x07b\\x0dc\td\\x9be\\x7f');
    expect(printable('plain text, ünïcödé')).toBe('plain text, ünïcödé');
    expect(printable('pay\u200bpal.example/\u202eexe.txt')).toBe('pay\\u200bpal.example/\\u202eexe.txt');
  });
});
