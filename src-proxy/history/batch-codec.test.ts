import { describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../capture/captured-exchange.js';
import { type BatchMessage, packBatch, payloadView, unpackRecord } from './batch-codec.js';
import { makeExchange } from '../../test/history/fixtures.js';

const enc = new TextEncoder();
const body = (text: string, contentType: string | null = 'application/json', truncated = false) => {
  const bytes = enc.encode(text);
  return { bytes, size: truncated ? bytes.byteLength * 10 : bytes.byteLength, truncated, contentType };
};

/** A POST with both bodies kept, the response's truncated (its true size 10× what was kept). */
const exchange = (n: number, overrides: Partial<CapturedExchange> = {}): CapturedExchange =>
  makeExchange(n, { method: 'POST', attempts: 2, status: 201, requestBody: body(`{"order":${n}}`), responseBody: body(`{"created":${n}}`, 'application/json', true), ...overrides });

/** As the writer posts it: the payload buffer transferred, the rest cloned. */
const acrossThreads = (batch: BatchMessage): BatchMessage => structuredClone(batch, { transfer: [batch.buffer] });
const text = (batch: BatchMessage, offset: number, length: number): string | null => payloadView(batch.buffer, offset, length)?.toString('utf8') ?? null;

describe('batch codec', () => {
  it('gives the worker back every field of every record', () => {
    const records = [
      exchange(1),
      exchange(2, {
        route: null, upstream: null, target: null, replayOf: 'id-1', source: 'replay', aborted: true, intercepted: true,
        scheme: 'https', httpVersion: '2.0', tls: { version: 'TLSv1.3', sni: 'api.localhost', alpn: 'h2' },
        timings: { queue: 0, connect: 0, ttfb: 0, total: 3, tls: 1.25 },
        requestBody: { bytes: null, size: 0, truncated: false, contentType: null },
        policies: [{ policy: 'cache', type: 'cache', outcome: 'hit', detail: 'fresh' }],
        error: { code: 'UPSTREAM_TIMEOUT', message: 'no answer' },
        requestHeaders: ['X-Multi', 'a\nb'],
      }),
      exchange(3, {
        method: 'GET', status: 101,
        websocket: [
          { time: 5, direction: 'client', opcode: 'text', data: enc.encode('hello'), size: 5, truncated: false, inflated: true },
          { time: 6, direction: 'upstream', opcode: 'binary', data: new Uint8Array([1, 2, 3]), size: 300, truncated: true, compressed: true },
        ],
      }),
    ];
    const batch = acrossThreads(packBatch(7, records.map((record) => ({ record, dropBodies: false, bytes: 0 }))));
    expect(batch.batchId).toBe(7);
    expect(batch.count).toBe(3);

    const [a, b, c] = [0, 1, 2].map((i) => unpackRecord(batch, i));
    const { requestBody: aReq, responseBody: aRes, requestHeaders: aReqH, responseHeaders: aResH, ...aRest } = a;
    const { requestBody: _1, responseBody: _2, requestHeaders: _3, responseHeaders: _4, websocket: _5, ...r0 } = records[0];
    expect(aRest).toEqual({ ...r0, tls: null, intercepted: false, websocket: null, bodiesDropped: false });
    expect(aReqH).toBe('Host\napi.localhost\nAccept\napplication/json');
    expect(aResH).toBe('Content-Type\napplication/json\nContent-Length\n17');
    expect(text(batch, aReq.offset, aReq.length)).toBe('{"order":1}');
    expect(aReq).toMatchObject({ length: 11, size: 11, truncated: false, contentType: 'application/json' });
    expect(text(batch, aRes.offset, aRes.length)).toBe('{"created":1}');
    expect(aRes).toMatchObject({ size: 130, truncated: true });

    expect(b).toMatchObject({
      route: null, upstream: null, target: null, replayOf: 'id-1', source: 'replay', aborted: true, intercepted: true,
      scheme: 'https', httpVersion: '2.0', tls: { version: 'TLSv1.3', sni: 'api.localhost', alpn: 'h2' },
      timings: { queue: 0, connect: 0, ttfb: 0, total: 3, tls: 1.25 },
      policies: [{ policy: 'cache', type: 'cache', outcome: 'hit', detail: 'fresh' }],
      error: { code: 'UPSTREAM_TIMEOUT', message: 'no answer' },
      requestHeaders: '["X-Multi","a\\nb"]',
    });
    expect(b.requestBody).toEqual({ offset: -1, length: -1, size: 0, truncated: false, contentType: null });
    expect(text(batch, b.requestBody.offset, b.requestBody.length)).toBeNull();
    expect('tls' in a.timings).toBe(false);

    expect(c.websocket).toHaveLength(2);
    const [m1, m2] = c.websocket!;
    expect(m1).toMatchObject({ time: 5, direction: 'client', opcode: 'text', size: 5, truncated: false, deflate: 'inflated' });
    expect(text(batch, m1.offset, m1.length)).toBe('hello');
    expect(m2).toMatchObject({ time: 6, direction: 'upstream', opcode: 'binary', size: 300, truncated: true, deflate: 'compressed' });
    expect([...payloadView(batch.buffer, m2.offset, m2.length)!]).toEqual([1, 2, 3]);
  });

  it('drops the payloads of a record marked so, keeps its sizes, and says so', () => {
    const records = [
      exchange(1),
      exchange(2, { websocket: [{ time: 1, direction: 'client', opcode: 'text', data: enc.encode('x'), size: 1, truncated: false }] }),
      exchange(3, { requestBody: { bytes: null, size: 0, truncated: false, contentType: null }, responseBody: { bytes: null, size: 0, truncated: false, contentType: null } }),
    ];
    const batch = acrossThreads(packBatch(1, records.map((record, i) => ({ record, dropBodies: i > 0, bytes: 0 }))));
    expect(batch.buffer.byteLength).toBe(11 + 13); // only the first record's bodies
    const [a, b, c] = [0, 1, 2].map((i) => unpackRecord(batch, i));
    expect(a.bodiesDropped).toBe(false);
    expect(b.bodiesDropped).toBe(true);
    expect(b.requestBody).toMatchObject({ length: -1, size: 11 });
    expect(b.websocket![0]).toMatchObject({ length: -1, size: 1 });
    expect(c.bodiesDropped).toBe(false); // nothing to drop
  });

  it('keeps an empty body as empty, also in a batch with no payload bytes at all', () => {
    const empty = { bytes: new Uint8Array(0), size: 0, truncated: false, contentType: 'text/plain' };
    const batch = acrossThreads(packBatch(1, [{ record: exchange(1, { requestBody: empty, responseBody: empty }), dropBodies: false, bytes: 0 }]));
    expect(batch.buffer.byteLength).toBe(0);
    const r = unpackRecord(batch, 0);
    expect(r.requestBody).toMatchObject({ length: 0, size: 0, contentType: 'text/plain' });
    expect(payloadView(batch.buffer, r.requestBody.offset, r.requestBody.length)).toEqual(Buffer.alloc(0));
    expect(payloadView(batch.buffer, r.responseBody.offset, r.responseBody.length)).toEqual(Buffer.alloc(0));
  });

  it('tells an empty string from a null, wherever they fall in the batch', () => {
    const records = [
      exchange(1, { route: '', upstream: null, target: '', replayOf: null, requestHeaders: [], responseHeaders: [] }),
      exchange(2, { route: null, upstream: '', target: null, url: '', host: '' }),
    ];
    const batch = acrossThreads(packBatch(1, records.map((record) => ({ record, dropBodies: false, bytes: 0 }))));
    const [a, b] = [0, 1].map((i) => unpackRecord(batch, i));
    expect([a.route, a.upstream, a.target, a.replayOf, a.requestHeaders, a.responseHeaders]).toEqual(['', null, '', null, '', '']);
    expect([b.id, b.route, b.upstream, b.target, b.url, b.host]).toEqual([records[1].id, null, '', null, '', '']);
    expect(b.listener).toBe(records[1].listener);
  });
});
