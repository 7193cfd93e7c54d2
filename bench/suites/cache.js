// HTTP cache (issue 5): cache hits vs the proxied path, with one Switchyard in
// front of the nginx backend. Three wrk runs per round, rotating the order:
//   hit      GET /cached/item through `type: cache` (defaultTtl 1h): every answer from memory
//   miss     the same URL with `Cache-Control: no-cache`: forwarded, teed into the cache and stored again
//   proxied  GET /plain/item on a route without policies
// Target (issue 5, "cache hits vs a proxied miss: hits ≥ 1.5× the proxied
// path"): hit/miss ≥ 1.5, median of the per-round ratios, at least 3 rounds.
// hit/proxied (a route without any cache policy) is reported beside it as the
// stricter reference: it does not pay for the cache lookup and the teeing.
// Measured twice: with capture and history on (the default: every exchange is
// also written to SQLite, a cost hits and misses share) and with them off (the
// cache's own gain).
import path from 'node:path';
import { backendsUpstream, startBackend } from '../lib/backend.js';
import { get } from '../lib/http-check.js';
import { interrupted } from '../lib/processes.js';
import { freePorts, waitForPort } from '../lib/ports.js';
import { launchSwitchyard } from '../lib/switchyard.js';
import { runWrk } from '../lib/wrk.js';
import { fmtMs, fmtRate, fmtRatio, fmtVerdict, median, medianRun, table } from '../lib/format.js';

export const description = 'cache hits vs a proxied miss and the plain proxied path (req/s ratios)';

const TARGET = 1.5;
const MIN_ROUNDS = 3;
const CONFIGS = [
  { name: 'capture-on', label: 'capture + history on (default)', yaml: '' },
  { name: 'capture-off', label: 'capture + history off', yaml: 'capture: { enabled: false }\nhistory: { enabled: false }\n' },
];
const LABELS = { hit: 'cache hit', miss: 'cache miss (no-cache: forwarded + stored)', proxied: 'proxied (route without cache)' };

function workspace(port, backends, extra) {
  return [
    'version: 1',
    'listeners:',
    `  - { name: bench, address: 127.0.0.1:${port}, mode: reverse }`,
    'policies:',
    '  cache: { type: cache, defaultTtl: 1h }',
    'routes:',
    '  - { name: plain, match: { path: /plain }, upstream: backends }',
    '  - { name: cached, match: { path: /cached }, policies: [cache], upstream: backends }',
    ...backendsUpstream(backends),
    extra,
  ].join('\n');
}

/** Each variant must really do what it is named after, or the ratios mean nothing. */
async function checkRoutes(base, body) {
  const plain = await get(`${base}/plain/item`);
  if (plain.status !== 200 || plain.body !== body || plain.headers['cache-status']) throw new Error(`/plain answered ${plain.status} (cache-status ${plain.headers['cache-status']})`);
  const first = await get(`${base}/cached/item`);
  if (first.status !== 200 || !/fwd=uri-miss.*stored/.test(first.headers['cache-status'] ?? '')) throw new Error(`first /cached: ${first.status} ${first.headers['cache-status']}`);
  const hit = await get(`${base}/cached/item`);
  if (hit.body !== body || !/; hit/.test(hit.headers['cache-status'] ?? '')) throw new Error(`second /cached is not a hit: ${hit.headers['cache-status']}`);
  const miss = await get(`${base}/cached/item`, { 'cache-control': 'no-cache' });
  if (miss.body !== body || !/fwd=request; fwd-status=200; stored/.test(miss.headers['cache-status'] ?? '')) throw new Error(`no-cache /cached is not a stored miss: ${miss.headers['cache-status']}`);
}

/** One Switchyard with `config`, measured over `rounds`; returns the wrk runs per variant. */
async function measureConfig(ctx, config, backendPorts, body, rounds) {
  const { settings, log, tmpDir } = ctx;
  const runs = { hit: [], miss: [], proxied: [] };
  const { proc, port } = await launchSwitchyard(ctx, {
    dir: path.join(tmpDir, config.name),
    logFile: 'switchyard.log',
    workspace: (p) => workspace(p, backendPorts, config.yaml),
  });
  try {
    await waitForPort(port, { timeoutMs: settings.startTimeoutS * 1000, alive: () => proc.alive() });
    const base = `http://127.0.0.1:${port}`;
    await checkRoutes(base, body);
    const wrkOpts = { connections: settings.connections, threads: settings.threads };
    const variants = [
      { name: 'hit', url: `${base}/cached/item`, headers: [] },
      { name: 'miss', url: `${base}/cached/item`, headers: ['Cache-Control: no-cache'] },
      { name: 'proxied', url: `${base}/plain/item`, headers: [] },
    ];
    log(`${config.label}: switchyard on :${port}`);
    if (settings.warmupS > 0) for (const v of variants) await runWrk(v.url, { ...wrkOpts, headers: v.headers, durationS: settings.warmupS });
    for (let round = 1; round <= rounds; round++) {
      // Rotate the order per round, so drift in machine load does not favour one variant.
      const order = variants.map((_, i) => variants[(i + round - 1) % variants.length]);
      for (const v of order) {
        const w = await runWrk(v.url, { ...wrkOpts, headers: v.headers, durationS: settings.durationS });
        if (w.non2xx3xx || w.errors) throw new Error(`${v.name}: ${w.non2xx3xx} non-2xx answers, ${w.errors} errors`);
        runs[v.name].push({ requestsPerSec: w.requestsPerSec, p50Ms: w.percentiles.p50 ?? null, p99Ms: w.percentiles.p99 ?? null, requests: w.requests, raw: w.raw });
        log(`  ${v.name.padEnd(8)} ${fmtRate(w.requestsPerSec)} req/s, p50 ${fmtMs(w.percentiles.p50)}, p99 ${fmtMs(w.percentiles.p99)}`);
      }
    }
  } catch (err) {
    if (!interrupted()) log(proc.logTail(1500));
    throw err;
  } finally {
    await proc.stop(5000);
  }
  return runs;
}

function summarize(runs) {
  const summary = Object.fromEntries(
    Object.entries(runs).map(([name, list]) => {
      const { requestsPerSec: rps, mid } = medianRun(list);
      return [name, { requestsPerSec: rps, p50Ms: mid.p50Ms, p99Ms: mid.p99Ms }];
    }),
  );
  // Ratios per round (the variants of one round ran back to back), median kept:
  // a shift in machine load between rounds does not land on one side of a ratio.
  const ratio = (a, b, target) => {
    const perRound = runs[a].map((r, i) => r.requestsPerSec / runs[b][i].requestsPerSec);
    const value = median(perRound);
    return { id: `${a}/${b}`, value, perRound, target, pass: target === null ? null : value >= target };
  };
  return { summary, ratios: [ratio('hit', 'miss', TARGET), ratio('hit', 'proxied', null), ratio('miss', 'proxied', null)] };
}

export async function run(ctx) {
  const { settings, log, tmpDir } = ctx;
  const body = 'x'.repeat(settings.bodySize - 1) + '\n';
  const rounds = Math.max(settings.rounds, MIN_ROUNDS);
  const backendPorts = await freePorts(2);
  const backend = await startBackend(tmpDir, backendPorts, body);
  const startedAt = new Date();
  log(`backend nginx on :${backendPorts.join(' and :')}; wrk -t${settings.threads} -c${settings.connections} -d${settings.durationS}s, ${rounds} rounds per configuration`);
  const results = {};
  try {
    for (const config of CONFIGS) results[config.name] = { label: config.label, runs: await measureConfig(ctx, config, backendPorts, body, rounds) };
  } finally {
    await backend.stop();
  }

  for (const [name, r] of Object.entries(results)) {
    Object.assign(r, summarize(r.runs));
    log('');
    log(`${r.label}:`);
    log(table([['variant', 'req/s', 'p50', 'p99'], ...Object.entries(r.summary).map(([v, s]) => [LABELS[v], fmtRate(s.requestsPerSec), fmtMs(s.p50Ms), fmtMs(s.p99Ms)])], { rightAlign: [1, 2, 3] }));
    for (const x of r.ratios) {
      log(`  ${x.id.padEnd(14)} ${fmtRatio(x.value).padStart(7)}  ${fmtVerdict(x.target, x.pass)}   per round: ${x.perRound.map(fmtRatio).join(' ')}   [${name}]`);
    }
  }

  const files = ctx.writeResults('cache', {
    suite: 'cache',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: ctx.machine,
    settings: { durationS: settings.durationS, warmupS: settings.warmupS, connections: settings.connections, threads: settings.threads, rounds, bodySize: settings.bodySize },
    variants: LABELS,
    configurations: results,
  });
  log('');
  log(`results: ${files.map((f) => path.relative(ctx.rootDir, f)).join(', ')}`);
  return results;
}
