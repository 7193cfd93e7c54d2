import { afterEach, describe, expect, it } from 'vitest';
import { History } from '../../src-proxy/history/history.js';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { idFor, makeExchange, tempDir, textBody } from './fixtures.js';

let cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function openHistory(options: Partial<Parameters<typeof History.open>[0]> = {}): Promise<{ history: History; dir: string }> {
  const t = tempDir();
  const history = await History.open({ dataDir: t.dir, ...options });
  cleanups.push(t.cleanup, () => history.close());
  return { history, dir: t.dir };
}

describe('history round trip', () => {
  it('stores and returns a record with binary and text bodies, repeated headers and websocket messages', async () => {
    const { history } = await openHistory();
    const binary = new Uint8Array(4096);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 7 + 3) & 0xff;
    const record: CapturedExchange = makeExchange(1, {
      method: 'POST',
      url: '/upload?x=1&y=%20z',
      status: 201,
      requestHeaders: ['Host', 'api.localhost', 'Content-Type', 'application/octet-stream', 'X-Dup', 'one', 'x-dup', 'two'],
      responseHeaders: ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Content-Type', 'text/plain; charset=utf-8'],
      requestBody: { bytes: binary, size: 10_000_000, truncated: true, contentType: 'application/octet-stream' },
      responseBody: textBody('héllo wörld ✓', 'text/plain'),
      policies: [
        { policy: 'cache', type: 'cache', outcome: 'miss' },
        { policy: 'rate-limit', type: 'rate-limit', outcome: 'allowed', detail: '9 left' },
      ],
      error: { code: 'UPSTREAM_RESET', message: 'socket hang up' },
      aborted: true,
      attempts: 3,
      websocket: [
        { time: 1, direction: 'client', opcode: 'text', data: new TextEncoder().encode('ping me'), size: 7, truncated: false },
        { time: 2, direction: 'upstream', opcode: 'binary', data: new Uint8Array([0, 1, 2, 255]), size: 9000, truncated: true },
        { time: 3, direction: 'upstream', opcode: 'text', data: new TextEncoder().encode('decoded'), size: 5, truncated: false, inflated: true },
        { time: 4, direction: 'client', opcode: 'binary', data: new Uint8Array([9]), size: 1, truncated: false, compressed: true },
      ],
      replayOf: 'x0000000000',
      source: 'replay',
    });
    expect(history.record(record)).toBe(true);
    await history.flush();

    const stored = history.store.get(record.id);
    expect(stored).not.toBeNull();
    expect(stored).toEqual({ ...record, bodiesDropped: false });
    expect(stored!.requestBody.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(stored!.requestBody.bytes!).equals(Buffer.from(binary))).toBe(true);

    const page = history.store.search({ query: '' });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      id: record.id,
      method: 'POST',
      path: '/upload',
      url: '/upload?x=1&y=%20z',
      status: 201,
      cacheStatus: 'MISS',
      errorCode: 'UPSTREAM_RESET',
      attempts: 3,
      aborted: true,
      truncated: true,
      reqSize: 10_000_000,
      wsMessages: 4,
      replayOf: 'x0000000000',
      source: 'replay',
    });
    expect(page.items[0].bytes).toBeGreaterThan(4096);
    expect(history.store.get('nope')).toBeNull();
  });

  it('keeps data across a restart and ignores duplicate ids', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const first = await History.open({ dataDir: t.dir });
    for (let i = 0; i < 50; i++) first.record(makeExchange(i));
    first.record(makeExchange(3, { status: 599 }));
    await first.close();
    expect(first.writer.stats()).toMatchObject({ enqueued: 51, written: 51, droppedBodies: 0, droppedRecords: 0 });

    const second = await History.open({ dataDir: t.dir });
    cleanups.push(() => second.close());
    expect(second.store.count()).toBe(50);
    expect(second.store.get(makeExchange(3).id)!.status).toBe(200);
    expect(second.store.stats().rows).toBe(50);
  });

  it('rejects records after close and counts them', async () => {
    const { history } = await openHistory();
    await history.close();
    expect(history.record(makeExchange(1))).toBe(false);
    expect(history.writer.stats().droppedRecords).toBe(1);
  });

  it('keeps the client TLS connection and the interception flag, and finds intercepted exchanges with is:intercepted', async () => {
    const { history } = await openHistory();
    const tls = { version: 'TLSv1.3', sni: 'api.example.test', alpn: 'h2' };
    history.record(makeExchange(1, { scheme: 'https', tls, intercepted: true }));
    history.record(makeExchange(2, { scheme: 'https', tls: { version: 'TLSv1.2', sni: null, alpn: 'http/1.1' } }));
    history.record(makeExchange(3));
    await history.flush();
    expect(history.store.get(idFor(1))).toMatchObject({ scheme: 'https', tls, intercepted: true });
    const direct = history.store.get(idFor(2))!;
    expect(direct.tls).toEqual({ version: 'TLSv1.2', sni: null, alpn: 'http/1.1' });
    expect(direct.intercepted).toBeUndefined();
    expect(history.store.get(idFor(3))!.tls).toBeUndefined();
    expect(history.store.search({ query: 'is:intercepted' }).items.map((i) => i.id)).toEqual([idFor(1)]);
  });
});
