/**
 * Child process for the kill -9 test: records continuously through History and
 * prints "written N" whenever the writer's committed count grows. Records are
 * numbered in enqueue order (ids idFor(0), idFor(1), …) and batches commit in
 * order, so "written N" means ids idFor(0)…idFor(N-1) are durable.
 *
 *   node --import tsx test/history/kill-writer.fixture.ts DATA_DIR BATCH_INTERVAL_MS
 */
import { History } from '../../src-proxy/history/history.js';
import { sizedExchange } from './fixtures.js';

const dataDir = process.argv[2];
const batchIntervalMs = Number(process.argv[3] ?? 50);
const history = await History.open({ dataDir, batchIntervalMs, maxQueueBytes: 512 * 1024 * 1024, maxPendingBatches: 10_000 });
let n = 0;
let reported = 0;
// About 3,000 records a second of ~2 KB: steady load the writer keeps up with even when
// the test runs beside others on two busy cores (at 8,000/s a niced writer fell behind
// there, so the "lost at most the last batch interval" margin measured its lag instead).
setInterval(() => {
  for (let i = 0; i < 15; i++) history.record(sizedExchange(n++, 1024 + (n % 3) * 1024));
}, 5);
setInterval(() => {
  const written = history.writer.stats().written;
  if (written !== reported) {
    reported = written;
    process.stdout.write(`written ${written} enqueued ${n}\n`);
  }
}, 2);
process.stdout.write('ready\n');
