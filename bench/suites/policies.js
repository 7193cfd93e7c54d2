// Cost of access policies (issue 5): one Switchyard process with two routes to
// the same nginx backend, `/plain` without policies and `/guarded` with
// api-key + rate-limit (by consumer, a limit that never triggers). wrk
// measures both in one run, one after the other and at the same time; the
// ratio guarded/plain should stay ≥ 0.9 (at most 10% below the route without
// policies).
import fs from 'node:fs';
import path from 'node:path';
import { backendsUpstream, startBackend } from '../lib/backend.js';
import { get } from '../lib/http-check.js';
import { interrupted } from '../lib/processes.js';
import { freePorts, waitForPort } from '../lib/ports.js';
import { launchSwitchyard } from '../lib/switchyard.js';
import { runWrk } from '../lib/wrk.js';
import { fmtMs, fmtRate, fmtRatio, fmtVerdict, median, medianRun, table } from '../lib/format.js';

export const description = 'api-key + rate-limit on a route vs the same route without policies (req/s ratio)';

const KEY = 'bench-key-0123456789';
const fmtUs = (us) => (us === null ? '-' : `${us.toFixed(0)}µs`);
const TARGET = 0.9;

function workspace(port, backends) {
  return [
    'version: 1',
    'listeners:',
    `  - { name: bench, address: 127.0.0.1:${port}, mode: reverse }`,
    'policies:',
    `  keys: { type: api-key, keys: { ${KEY}: { consumer: bench, plan: paid } } }`,
    '  limit: { type: rate-limit, limit: 1000000000, per: 1s, by: consumer }',
    'routes:',
    '  - { name: plain, match: { path: /plain }, upstream: backends }',
    '  - { name: guarded, match: { path: /guarded }, policies: [keys, limit], upstream: backends }',
    ...backendsUpstream(backends),
    '',
  ].join('\n');
}

/** The guarded route must really enforce its policies, or the comparison means nothing. */
async function checkRoutes(base) {
  const plain = await get(`${base}/plain`);
  if (plain.status !== 200) throw new Error(`/plain answered ${plain.status}`);
  const missing = await get(`${base}/guarded`);
  if (missing.status !== 401) throw new Error(`/guarded without a key answered ${missing.status}, expected 401`);
  const ok = await get(`${base}/guarded`, { 'x-api-key': KEY });
  if (ok.status !== 200 || ok.headers['ratelimit-limit'] !== '1000000000') {
    throw new Error(`/guarded with the key answered ${ok.status} (RateLimit-Limit ${ok.headers['ratelimit-limit']})`);
  }
}

/** CPU time (user + system, all threads) the process has used so far, in ms; null where /proc is missing. */
function cpuMs(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100;

function runSummary(w) {
  // A refusal (401/429) would mean the comparison is not like for like; socket timeouts only mean a busy machine, and are reported.
  if (w.non2xx3xx) throw new Error(`${w.non2xx3xx} non-2xx answers — the guarded route must never refuse`);
  return { requestsPerSec: w.requestsPerSec, p50Ms: w.percentiles.p50 ?? null, p99Ms: w.percentiles.p99 ?? null, requests: w.requests, socketErrors: w.socketErrors, raw: w.raw };
}

/**
 * Each round measures the two routes one after the other (order alternating),
 * then both at once with half the connections each. Ratios are taken per
 * round (neighbouring runs share the machine's state) and the median over
 * rounds is reported. The simultaneous run is immune to load that other
 * processes put on the machine, since both routes see the same moments.
 */
async function measureRounds(ctx, variants, pid) {
  const { settings, log } = ctx;
  const wrkOpts = { connections: settings.connections, threads: settings.threads };
  const half = { connections: Math.max(1, Math.floor(settings.connections / 2)), threads: settings.threads };
  const rounds = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const r = { sequential: {}, simultaneous: {} };
    for (const v of round % 2 === 1 ? variants : [...variants].reverse()) {
      if (settings.warmupS > 0) await runWrk(v.url, { ...wrkOpts, headers: v.headers, durationS: settings.warmupS });
      const cpuBefore = cpuMs(pid);
      const run = runSummary(await runWrk(v.url, { ...wrkOpts, headers: v.headers, durationS: settings.durationS }));
      const cpuAfter = cpuMs(pid);
      run.cpuUsPerRequest = cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / run.requests;
      r.sequential[v.name] = run;
    }
    const both = await Promise.all(variants.map((v) => runWrk(v.url, { ...half, headers: v.headers, durationS: settings.durationS })));
    variants.forEach((v, i) => (r.simultaneous[v.name] = runSummary(both[i])));
    r.sequentialRatio = r.sequential.guarded.requestsPerSec / r.sequential.plain.requestsPerSec;
    r.simultaneousRatio = r.simultaneous.guarded.requestsPerSec / r.simultaneous.plain.requestsPerSec;
    const cpu = (name) => r.sequential[name].cpuUsPerRequest;
    r.cpuRatio = cpu('plain') && cpu('guarded') ? cpu('plain') / cpu('guarded') : null;
    log(
      `  round ${round}: one after the other ${fmtRate(r.sequential.plain.requestsPerSec)} vs ${fmtRate(r.sequential.guarded.requestsPerSec)} req/s (${fmtRatio(r.sequentialRatio)}), ` +
        `at once ${fmtRate(r.simultaneous.plain.requestsPerSec)} vs ${fmtRate(r.simultaneous.guarded.requestsPerSec)} req/s (${fmtRatio(r.simultaneousRatio)}), ` +
        `CPU per request ${fmtUs(cpu('plain'))} vs ${fmtUs(cpu('guarded'))}`,
    );
    rounds.push(r);
  }
  return rounds;
}

export async function run(ctx) {
  const { settings, log, tmpDir, rootDir } = ctx;
  const body = 'x'.repeat(settings.bodySize - 1) + '\n';
  const backendPorts = await freePorts(2);
  const backend = await startBackend(tmpDir, backendPorts, body);
  let proc = null;
  const startedAt = new Date();
  let rounds;
  try {
    const launched = await launchSwitchyard(ctx, { dir: tmpDir, logFile: 'switchyard.log', workspace: (p) => workspace(p, backendPorts) });
    proc = launched.proc;
    const port = launched.port;
    await waitForPort(port, { timeoutMs: settings.startTimeoutS * 1000, alive: () => proc.alive() });
    const base = `http://127.0.0.1:${port}`;
    await checkRoutes(base);
    log(`switchyard on :${port}, backend nginx on :${backendPorts.join(' and :')}; wrk -t${settings.threads} -c${settings.connections} -d${settings.durationS}s, ${settings.rounds} round(s)`);
    rounds = await measureRounds(ctx, [
      { name: 'plain', url: `${base}/plain`, headers: [] },
      { name: 'guarded', url: `${base}/guarded`, headers: [`x-api-key: ${KEY}`] },
    ], proc.pid);
  } catch (err) {
    if (!interrupted() && proc) log(proc.logTail(1500));
    throw err;
  } finally {
    await proc?.stop(5000);
    await backend.stop();
  }

  const summary = {};
  for (const mode of ['sequential', 'simultaneous']) {
    for (const name of ['plain', 'guarded']) {
      const list = rounds.map((r) => r[mode][name]);
      const { requestsPerSec: rps, mid } = medianRun(list);
      summary[`${name} (${mode})`] = { requestsPerSec: rps, p50Ms: mid.p50Ms, p99Ms: mid.p99Ms };
    }
  }
  const ratioOf = (key, id, target = TARGET) => {
    const value = median(rounds.map((r) => r[key]));
    return { id, value, target, pass: target === null ? null : value >= target };
  };
  const ratios = [
    ratioOf('sequentialRatio', 'guarded/plain (one after the other)'),
    ratioOf('simultaneousRatio', 'guarded/plain (at once)'),
    // Throughput a CPU-bound gateway would reach, from the gateway's own CPU time per request (immune to other load).
    // Reported, not judged: CPU per request itself rises when the machine is busy.
    ...(rounds.every((r) => r.cpuRatio !== null) ? [ratioOf('cpuRatio', 'plain CPU/request ÷ guarded CPU/request', null)] : []),
  ];

  log('');
  log(
    table(
      [['route', 'req/s', 'p50', 'p99'], ...Object.entries(summary).map(([name, s]) => [name, fmtRate(s.requestsPerSec), fmtMs(s.p50Ms), fmtMs(s.p99Ms)])],
      { rightAlign: [1, 2, 3] },
    ),
  );
  log('');
  log(`ratios (req/s, median of per-round ratios; guarded = api-key + rate-limit):`);
  for (const r of ratios) {
    log(`  ${r.id.padEnd(40)} ${fmtRatio(r.value).padStart(7)}  ${fmtVerdict(r.target, r.pass)}`);
  }

  const files = ctx.writeResults('policies', {
    suite: 'policies',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: ctx.machine,
    settings: { durationS: settings.durationS, warmupS: settings.warmupS, connections: settings.connections, threads: settings.threads, rounds: settings.rounds, bodySize: settings.bodySize },
    policies: { guarded: ['api-key (header x-api-key)', 'rate-limit (token bucket, by consumer, limit 1e9/s)'], capture: 'on (default)' },
    rounds,
    summary,
    ratios,
  });
  log('');
  log(`results: ${files.map((f) => path.relative(rootDir, f)).join(', ')}`);
  return { ratios, summary };
}
