import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { History } from '../../src-proxy/history/history.js';
import { InvalidCursorError } from '../../src-proxy/history/history-store.js';
import { QuerySyntaxError } from '../../src-proxy/history/query-language.js';
import { BASE_TIME, makeExchange, noBody, tempDir, textBody } from './fixtures.js';

const HOSTS = ['api.localhost', 'web.localhost', 'payments.localhost'];
const ROUTES = ['users', 'orders', null];
const STATUSES = [200, 201, 404, 500, 502, 503, 304, 0];
const METHODS = ['GET', 'POST', 'DELETE'];
/** An image body that reads as text where it is indexed as such: the PNG signature spells "PNG", then "IHDR". */
const PNG_BYTES = new Uint8Array(64);
PNG_BYTES.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);

/** 60 records whose fields cycle at different periods, so filters pick different subsets. */
function dataset(): CapturedExchange[] {
  const list: CapturedExchange[] = [];
  for (let n = 0; n < 60; n++) {
    const route = ROUTES[n % 3];
    const status = STATUSES[n % 8];
    list.push(
      makeExchange(n, {
        method: METHODS[n % 3],
        host: HOSTS[n % 3],
        url: n % 10 === 0 ? '/health' : `/${route ?? 'none'}/${n}?q=${n}`,
        route,
        upstream: route,
        target: route === null ? null : `127.0.0.1:${9001 + (n % 2)}`,
        clientAddress: `127.0.0.${1 + (n % 4)}`,
        listener: n % 5 === 0 ? 'admin' : 'main',
        status,
        duration: n * 10,
        attempts: 1 + (n % 3 === 0 ? 1 : 0),
        requestBody: n % 4 === 0 ? textBody(`{"order":{"id":${n},"note":"deep-${n % 7}"}}`) : noBody(),
        responseBody:
          n % 6 === 0
            ? { bytes: PNG_BYTES, size: 20_000 + n, truncated: n % 12 === 0, contentType: 'image/png' }
            : textBody(n % 5 === 1 ? `{"error":"gateway timeout ${n}"}` : `{"ok":true,"n":${n}}`),
        requestHeaders: ['Host', HOSTS[n % 3], 'X-Trace', `trace-${n % 9}`, 'User-Agent', n % 2 === 0 ? 'curl/8.5' : 'Firefox/131'],
        policies: n % 4 === 1 ? [{ policy: 'cache', type: 'cache', outcome: n % 8 === 1 ? 'HIT' : 'MISS' }] : [],
        error: status >= 502 ? { code: status === 503 ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_CONNECT_FAILED', message: 'connect ECONNREFUSED' } : null,
        aborted: status === 0,
        websocket: n === 7 ? [{ time: 1, direction: 'client', opcode: 'text', data: new TextEncoder().encode('hello socket'), size: 12, truncated: false }] : null,
        source: n % 11 === 0 ? 'replay' : n % 13 === 0 ? 'import' : 'live',
        replayOf: n % 11 === 0 ? 'x0000000001' : null,
      }),
    );
  }
  return list;
}

describe('history search', () => {
  const t = tempDir();
  let history: History;
  const records = dataset();
  const byId = new Map(records.map((r) => [r.id, r]));
  const now = BASE_TIME + 60_000;

  beforeAll(async () => {
    history = await History.open({ dataDir: t.dir });
    for (const r of records) history.record(r);
    await history.flush({ index: true });
  });
  afterAll(async () => {
    await history.close();
    t.cleanup();
  });

  /** All ids the query matches, newest first, walking every page. */
  const ids = (query: string): string[] => {
    const out: string[] = [];
    let cursor: string | null = null;
    do {
      const page = history.store.search({ query, limit: 7, cursor, now });
      out.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    return out;
  };
  const expected = (pred: (r: CapturedExchange, n: number) => boolean): string[] =>
    records
      .filter((r, n) => pred(r, n))
      .map((r) => r.id)
      .reverse();

  const reqText = (r: CapturedExchange): string => new TextDecoder().decode(r.requestBody.bytes ?? new Uint8Array());
  const resText = (r: CapturedExchange): string =>
    r.responseBody.contentType === 'application/json' ? new TextDecoder().decode(r.responseBody.bytes!) : '';

  it.each<[string, (r: CapturedExchange, n: number) => boolean]>([
    ['', () => true],
    ['method:POST', (r) => r.method === 'POST'],
    ['method:post -method:get', (r) => r.method === 'POST'],
    ['host:api.localhost', (r) => r.host === 'api.localhost'],
    ['host:*.localhost -host:web.*', (r) => r.host !== 'web.localhost'],
    ['path:/health', (r) => r.url === '/health'],
    ['-path:/health', (r) => r.url !== '/health'],
    ['path:/users/*', (r) => r.url.startsWith('/users/')],
    ['status:404', (r) => r.status === 404],
    ['status:5xx', (r) => r.status >= 500 && r.status <= 599],
    ['-status:5xx', (r) => !(r.status >= 500 && r.status <= 599)],
    ['status:>=500', (r) => r.status >= 500],
    ['status<300 status>0', (r) => r.status < 300 && r.status > 0],
    ['status:0', (r) => r.status === 0],
    ['route:users', (r) => r.route === 'users'],
    ['-route:users', (r) => r.route !== 'users'],
    ['upstream:orders', (r) => r.upstream === 'orders'],
    ['target:127.0.0.1:9002', (r) => r.target === '127.0.0.1:9002'],
    ['-target:127.0.0.1:9002', (r) => r.target !== '127.0.0.1:9002'],
    ['client:127.0.0.3', (r) => r.clientAddress === '127.0.0.3'],
    ['listener:admin', (r) => r.listener === 'admin'],
    ['dur>200ms', (r) => r.duration > 200],
    ['dur>=0.2s dur<300ms', (r) => r.duration >= 200 && r.duration < 300],
    ['size>10KB', (r) => r.responseBody.size > 10_240],
    ['reqsize>0', (r) => r.requestBody.size > 0],
    ['attempts:2', (r) => r.attempts === 2],
    ['cache:HIT', (r) => r.policies.some((p) => p.outcome === 'HIT')],
    ['cache:miss', (r) => r.policies.some((p) => p.outcome === 'MISS')],
    ['-cache:HIT', (r) => !r.policies.some((p) => p.outcome === 'HIT')],
    ['error:UPSTREAM_CONNECT_FAILED', (r) => r.error?.code === 'UPSTREAM_CONNECT_FAILED'],
    ['error:UPSTREAM_TIMEOUT', (r) => r.error?.code === 'UPSTREAM_TIMEOUT'],
    ['is:error', (r) => r.error !== null],
    ['-is:error', (r) => r.error === null],
    ['is:aborted', (r) => r.aborted],
    ['is:truncated', (r) => r.responseBody.truncated],
    ['is:websocket', (r) => r.websocket !== null],
    ['is:replay', (r) => r.source === 'replay'],
    ['source:import', (r) => r.source === 'import'],
    ['is:live method:GET', (r) => r.source === 'live' && r.method === 'GET'],
    ['replay-of:x0000000001', (r) => r.replayOf === 'x0000000001'],
    ['id:x0000000042', (r) => r.id === 'x0000000042'],
    ['rid:req-42', (r) => r.requestId === 'req-42'],
    [`after:${new Date(BASE_TIME + 30_000).toISOString()}`, (r) => r.startedAt >= BASE_TIME + 30_000],
    [`before:${new Date(BASE_TIME + 30_000).toISOString()}`, (r) => r.startedAt < BASE_TIME + 30_000],
    ['after:-15s', (r) => r.startedAt >= now - 15_000],
    // free text: headers, JSON bodies, URL, error messages, websocket text
    ['"trace-4"', (r) => r.requestHeaders.includes('trace-4')],
    ['header:fire*', (r) => r.requestHeaders.includes('Firefox/131')],
    ['curl -header:firefox', (r) => r.requestHeaders.includes('curl/8.5')],
    ['"gateway timeout"', (r) => resText(r).includes('gateway timeout')],
    ['gate', () => false],
    ['gate*', (r) => resText(r).includes('gateway')],
    ['-timeout', (r) => !resText(r).includes('timeout') && r.error?.code !== 'UPSTREAM_TIMEOUT'],
    ['body:"deep-3"', (r) => reqText(r).includes('"deep-3"')],
    ['"deep-3" method:GET', (r) => reqText(r).includes('"deep-3"') && r.method === 'GET'],
    ['url:health', (r) => r.url === '/health'],
    ['payments.localhost', (r) => r.host === 'payments.localhost'],
    ['econnrefused', (r) => r.error !== null],
    ['"hello socket"', (r) => r.websocket !== null],
    ['status:5xx host:api.localhost dur>200ms -path:/health', (r) => r.status >= 500 && r.host === 'api.localhost' && r.duration > 200 && r.url !== '/health'],
  ])('%s', (query, pred) => {
    const want = expected(pred);
    expect(ids(query)).toEqual(want);
    expect(history.store.count(query, now)).toBe(want.length);
  });

  it('image bodies are stored but not indexed as text', () => {
    // Their bytes hold "PNG" and "IHDR": indexed as text, these words would be found.
    expect(ids('png')).toEqual([]);
    expect(ids('ihdr')).toEqual([]);
    expect(Buffer.from(history.store.get(records[6].id)!.responseBody.bytes!).equals(PNG_BYTES)).toBe(true);
  });

  it('returns summaries with the metadata and the total on request', () => {
    const page = history.store.search({ query: 'status:5xx', limit: 2, withTotal: true });
    expect(page.total).toBe(records.filter((r) => r.status >= 500).length);
    expect(page.items).toHaveLength(2);
    const first = page.items[0];
    const r = byId.get(first.id)!;
    expect(first).toMatchObject({ host: r.host, status: r.status, method: r.method, route: r.route, duration: r.duration });
  });

  it('throws QuerySyntaxError for bad queries and InvalidCursorError for bad cursors', () => {
    expect(() => history.store.search({ query: 'status:nope' })).toThrow(QuerySyntaxError);
    expect(() => history.store.search({ cursor: 'garbage' })).toThrow(InvalidCursorError);
    expect(() => history.store.search({ cursor: Buffer.from('[1,2]').toString('base64url') })).toThrow(InvalidCursorError);
  });
});

describe('free text in percent-encoded URLs and form bodies', () => {
  it('finds words as they decode: "café" finds ?q=caf%C3%A9, a form field finds its encoded value', async () => {
    const t = tempDir();
    const history = await History.open({ dataDir: t.dir });
    try {
      history.record(makeExchange(1, { url: '/search?q=caf%C3%A9&city=K%C3%B6ln' }));
      history.record(makeExchange(2, { url: '/plain/cafe-menu' }));
      history.record(makeExchange(3, { url: '/form', requestBody: textBody('name=J%C3%BCrgen+M%C3%BCller&note=%E2%98%83snow', 'application/x-www-form-urlencoded') }));
      // Not UTF-8 once decoded: kept as written, and the rest still indexed.
      history.record(makeExchange(4, { url: '/bad?x=%FF%FE&y=stra%C3%9Fe' }));
      await history.flush({ index: true });
      const urls = (query: string) => history.store.search({ query }).items.map((i) => i.url).sort();
      expect(urls('café')).toEqual(['/plain/cafe-menu', '/search?q=caf%C3%A9&city=K%C3%B6ln']);
      expect(urls('url:köln')).toEqual(['/search?q=caf%C3%A9&city=K%C3%B6ln']);
      expect(urls('"q=café"')).toEqual(['/search?q=caf%C3%A9&city=K%C3%B6ln']);
      expect(urls('body:jürgen')).toEqual(['/form']);
      expect(urls('"Jürgen Müller"')).toEqual(['/form']);
      expect(urls('straße')).toEqual(['/bad?x=%FF%FE&y=stra%C3%9Fe']);
      // The encoded form is still found as written.
      expect(urls('url:C3')).toHaveLength(2);
      expect(history.store.count('café')).toBe(2);
    } finally {
      await history.close();
      t.cleanup();
    }
  });
});
