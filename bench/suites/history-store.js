// History store (DESIGN §10, issue 3): batched insert rate, the first filtered
// page from a large table, bytes per exchange. The measuring script is
// TypeScript over the engine's sources (bench/history-store.bench.ts); this
// suite runs it with tsx and keeps its report. BENCH_HISTORY_ROWS sets the
// table size (default 1,000,000; building it takes a few minutes);
// BENCH_HISTORY_DIR keeps the table there, and a later run reuses it.
import path from 'node:path';
import { runCommand } from '../lib/processes.js';

export const description = 'history.db: insert rate, first filtered page over 1M rows, bytes per exchange';

export async function run(ctx) {
  const rows = process.env.BENCH_HISTORY_ROWS ?? '1000000';
  const insert = process.env.BENCH_HISTORY_INSERT ?? '100000';
  const script = path.join(ctx.benchDir, 'history-store.bench.ts');
  const { code, stdout, stderr } = await runCommand(process.execPath, ['--import', 'tsx', script, '--rows', rows, '--insert', insert, '--dir', process.env.BENCH_HISTORY_DIR ?? path.join(ctx.tmpDir, 'history')], {
    timeoutMs: 30 * 60_000,
  });
  ctx.log(stdout.trimEnd());
  if (code !== 0) throw new Error(`history benchmark failed (exit ${code}): ${stderr.trim().slice(-1000)}`);
  const files = ctx.writeResults('history-store', { machine: ctx.machine, rows: Number(rows), insert: Number(insert), report: stdout.split('\n') });
  ctx.log(`results: ${files.map((f) => path.relative(ctx.rootDir, f)).join(', ')}`);
}
