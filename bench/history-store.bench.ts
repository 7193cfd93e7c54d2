/**
 * History benchmark (not a test): batched insert rate, first filtered page
 * over a large table, bytes per exchange.
 *
 *   node --import tsx bench/history-store.bench.ts [--rows 1000000] [--insert 100000] [--dir DIR] [--keep]
 *
 * Records are typical gateway traffic: ~10 request and response headers,
 * JSON response bodies of 1–4 KB (a third also with a JSON request body),
 * skewed status, host, route and method distributions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import type { CapturedExchange } from '../src-proxy/capture/captured-exchange.js';
import { History } from '../src-proxy/history/history.js';
import { HistoryStore } from '../src-proxy/history/history-store.js';
import { historyPath } from '../src-proxy/history/database.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const ROWS = arg('rows', 1_000_000);
const INSERT = arg('insert', 100_000);
const dirArg = process.argv.indexOf('--dir');
const keep = process.argv.includes('--keep');

// Deterministic PRNG so runs are comparable.
let seed = 42;
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(items: readonly (readonly [T, number])[]): T => {
  let r = rand();
  for (const [v, w] of items) {
    if ((r -= w) < 0) return v;
  }
  return items[items.length - 1][0];
};

const HOSTS = [['api.localhost', 0.5], ['web.localhost', 0.25], ['payments.localhost', 0.1], ['auth.localhost', 0.1], ['static.localhost', 0.05]] as const;
const ROUTES = ['users', 'orders', 'products', 'search', 'auth', 'payments', 'static', 'health'];
const STATUS = [[200, 0.8], [201, 0.04], [204, 0.03], [304, 0.03], [404, 0.06], [429, 0.01], [500, 0.01], [502, 0.01], [503, 0.01]] as const;
const METHODS = [['GET', 0.7], ['POST', 0.2], ['PUT', 0.05], ['DELETE', 0.05]] as const;
// A Zipf-like vocabulary: a few very common words, a long tail of rare ones.
const BASE_WORDS = 'customer order invoice shipping address status total amount currency item price quantity discount tax note'.split(' ');
const WORDS = Array.from({ length: 5000 }, (_, i) => (i < BASE_WORDS.length ? BASE_WORDS[i] : `w${i.toString(36)}`));
const zipf = (): string => WORDS[Math.min(WORDS.length - 1, Math.floor(Math.exp(rand() * Math.log(WORDS.length + 1)) - 1))];
const enc = new TextEncoder();

function jsonBody(size: number): Uint8Array {
  const parts: string[] = [];
  let len = 2;
  let i = 0;
  while (len < size) {
    const s = `"${zipf()}${i++}":"${zipf()} ${zipf()} ${Math.floor(rand() * 1e6)}"`;
    parts.push(s);
    len += s.length + 1;
  }
  return enc.encode(`{${parts.join(',')}}`);
}

const HOUR = 3_600_000;
let clock = Date.now() - 7 * 24 * HOUR;

function record(n: number, stepMs: number): CapturedExchange {
  clock += stepMs;
  const host = pick(HOSTS);
  const route = ROUTES[Math.floor(rand() * ROUTES.length)];
  const status = pick(STATUS);
  const method = pick(METHODS);
  const duration = Math.exp(rand() * 7) * 0.5;
  const resSize = 1024 + Math.floor(rand() * 3072);
  const body = jsonBody(resSize);
  const reqBody = method === 'POST' ? jsonBody(200 + Math.floor(rand() * 600)) : null;
  const error = status >= 500 && rand() < 0.5 ? { code: 'UPSTREAM_TIMEOUT', message: 'The upstream did not answer in time (timeout)' } : null;
  return {
    id: `${clock.toString(36).padStart(9, '0')}bnch${(n % 1_679_616).toString(36).padStart(4, '0')}`,
    requestId: `rq-${n}`,
    startedAt: clock,
    duration,
    timings: { queue: 0.2, connect: 0.8, ttfb: duration * 0.8, total: duration },
    clientAddress: `127.0.0.${1 + (n % 4)}`,
    clientPort: 40000 + (n % 20000),
    listener: 'main',
    scheme: 'http',
    httpVersion: '1.1',
    method,
    host,
    url: `/${route}/${n % 5000}?page=${n % 7}&q=${zipf()}`,
    route,
    upstream: route,
    target: `127.0.0.1:${9001 + (n % 3)}`,
    attempts: status === 502 ? 2 : 1,
    status,
    requestHeaders: [
      'Host', host, 'User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36',
      'Accept', 'application/json', 'Accept-Encoding', 'gzip, deflate, br', 'Accept-Language', 'en-US,en;q=0.9',
      'Authorization', '••••••', 'X-Request-Id', `rq-${n}`, 'Connection', 'keep-alive',
      ...(reqBody ? ['Content-Type', 'application/json', 'Content-Length', String(reqBody.byteLength)] : []),
    ],
    responseHeaders: [
      'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(body.byteLength),
      'Date', new Date(clock).toUTCString(), 'Cache-Control', 'no-store', 'X-Request-Id', `rq-${n}`,
      'Server', 'demo-upstream', 'Vary', 'Accept-Encoding', 'ETag', `"${n.toString(16)}"`,
    ],
    requestBody: reqBody
      ? { bytes: reqBody, size: reqBody.byteLength, truncated: false, contentType: 'application/json' }
      : { bytes: null, size: 0, truncated: false, contentType: null },
    responseBody: { bytes: body, size: body.byteLength, truncated: false, contentType: 'application/json' },
    policies: rand() < 0.3 ? [{ policy: 'cache', type: 'cache', outcome: rand() < 0.6 ? 'HIT' : 'MISS' }] : [],
    error,
    aborted: rand() < 0.002,
    websocket: null,
    replayOf: null,
    source: 'live',
  };
}

/**
 * Feeds `count` records through History.record as fast as the writer accepts
 * them. Bodies and headers come from up to 20,000 records generated before the
 * clock starts (the generator is slower than the writer); each fed record is a
 * shallow copy with its own id and time.
 */
async function insert(history: History, count: number, stepMs: number, from: number): Promise<number> {
  const templates: CapturedExchange[] = [];
  for (let i = 0; i < Math.min(count, 20_000); i++) templates.push(record(from + i, 0));
  const start = performance.now();
  let n = 0;
  while (n < count) {
    const chunk = Math.min(2000, count - n);
    for (let i = 0; i < chunk; i++, n++) {
      clock += stepMs;
      const id = `${clock.toString(36).padStart(9, '0')}bnch${((from + n) % 1_679_616).toString(36).padStart(4, '0')}`;
      history.record({ ...templates[n % templates.length], id, requestId: `rq-${from + n}`, startedAt: clock });
    }
    // Let batches go out; back off if the worker is behind (measure throughput, not shedding).
    await tick();
    while (history.writer.stats().pendingBatches > 8) await new Promise((r) => setTimeout(r, 2));
  }
  await history.flush();
  return performance.now() - start;
}

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const v = fn();
  return [v, performance.now() - t];
}

async function main(): Promise<void> {
  const dir = dirArg >= 0 ? process.argv[dirArg + 1] : mkdtempSync(join(tmpdir(), 'switchyard-history-bench-'));
  const opts = { dataDir: dir, maxQueueBytes: 512 * 1024 * 1024, maxPendingBatches: 1000 };
  console.log(`history bench in ${dir}: insert ${INSERT}, table ${ROWS} rows`);

  // 1. Batched insert rate on a fresh database.
  if (INSERT > 0) {
    const insertDir = mkdtempSync(join(tmpdir(), 'switchyard-history-bench-insert-'));
    const history = await History.open({ ...opts, dataDir: insertDir });
    await insert(history, 5000, 10, 0); // warm up
    const ms = await insert(history, INSERT, 10, 5000);
    const s = history.stats();
    console.log(
      `insert: ${INSERT} exchanges in ${ms.toFixed(0)} ms = ${Math.round(INSERT / (ms / 1000))} exchanges/s committed ` +
        `(dropped bodies ${s.writer.droppedBodies}, records ${s.writer.droppedRecords}; FTS index ${s.store.unindexed} rows behind)`,
    );
    const t = performance.now();
    await history.flush({ index: true });
    const all = INSERT + 5000;
    console.log(`fts: caught up in another ${(performance.now() - t).toFixed(0)} ms; committed+indexed ${Math.round(all / ((performance.now() - t + ms) / 1000))} exchanges/s overall`);
    // `history.clear` holds the write lock throughout: live capture queues behind it.
    const before = history.store.stats().fileSize;
    const c = performance.now();
    const cleared = await history.clear();
    console.log(`clear: ${cleared} exchanges in ${(performance.now() - c).toFixed(0)} ms; file ${(before / 1024 ** 2).toFixed(0)} MiB -> ${(history.store.stats().fileSize / 1024 ** 2).toFixed(1)} MiB`);
    await history.close();
    rmSync(insertDir, { recursive: true, force: true });
  }

  // 2. Fill to ROWS (spread over a week), then query on a fresh connection.
  {
    const history = await History.open(opts);
    const have = history.store.count();
    if (have < ROWS) {
      const step = (7 * 24 * HOUR) / ROWS;
      const t = performance.now();
      for (let done = have; done < ROWS; ) {
        const n = Math.min(100_000, ROWS - done);
        await insert(history, n, step, done + 1_000_000);
        done += n;
        process.stdout.write(`  filled ${done} rows (${Math.round(done / ((performance.now() - t) / 1000))}/s)\r`);
      }
      process.stdout.write('\n');
    }
    const t = performance.now();
    const lag = history.store.stats().unindexed;
    await history.flush({ index: true });
    if (lag > 0) console.log(`fts: indexed the remaining ${lag} rows in ${((performance.now() - t) / 1000).toFixed(1)} s (${Math.round(lag / ((performance.now() - t) / 1000))} rows/s)`);
    await history.close();
  }
  const store = HistoryStore.open(historyPath(dir));
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  const stats = store.stats();
  console.log(
    `table: ${stats.rows} rows, file ${(stats.fileSize / 1024 ** 2).toFixed(0)} MiB = ${Math.round(stats.fileSize / stats.rows)} bytes/exchange ` +
      `(approx. 'bytes' column sum ${Math.round(stats.bytes / stats.rows)}/exchange)`,
  );

  const queries = [
    '',
    'status:5xx',
    'status:404',
    'host:payments.localhost',
    'method:POST dur>200ms',
    'route:orders status:>=400',
    'status:5xx host:payments.localhost dur>200ms',
    '-path:/health method:DELETE',
    'cache:HIT',
    'is:error',
    'error:UPSTREAM_TIMEOUT',
    'is:aborted',
    'size>3KB',
    'client:127.0.0.3 target:127.0.0.1:9002',
    'after:-1h',
    'status:503 is:aborted',
    'timeout',
    'invoice',
    'invoice -shipping',
    '-invoice -shipping',
    '-invoice',
    'status:5xx -invoice',
    'w3e8',
    'w8c',
    'w3e8 -invoice',
    'status:5xx w3e8',
    'rq-1123456',
    'header:chrome',
    'status:5xx timeout',
    'invo*',
  ];
  console.log('first page (50 rows), cold / median of 5 warm, ms:');
  for (const q of queries) {
    const [page, cold] = time(() => store.search({ query: q, limit: 50 }));
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) warm.push(time(() => store.search({ query: q, limit: 50 }))[1]);
    warm.sort((a, b) => a - b);
    const [, next] = time(() => (page.nextCursor ? store.search({ query: q, limit: 50, cursor: page.nextCursor }) : null));
    console.log(
      `  ${JSON.stringify(q).padEnd(48)} ${cold.toFixed(1).padStart(7)} / ${warm[2].toFixed(1).padStart(7)}   next page ${next.toFixed(1).padStart(6)}   (${page.items.length} rows)`,
    );
  }
  const [n, countMs] = time(() => store.count('status:5xx'));
  console.log(`count(status:5xx) = ${n} in ${countMs.toFixed(0)} ms`);
  store.close();
  if (!keep && dirArg < 0) rmSync(dir, { recursive: true, force: true });
}

await main();
