// Proxy throughput (DESIGN §10): one route, two targets. Measures, with wrk on
// loopback, the backend directly and each proxy in front of it, and reports
// Switchyard's ratios against node-http-proxy, a minimal undici pass-through
// and nginx, plus the latency each proxy adds over the backend.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeBody, startBackend } from '../lib/backend.js';
import { startNginx } from '../lib/nginx.js';
import { startNodeContender } from '../lib/node-contender.js';
import { interrupted } from '../lib/processes.js';
import { freePort, freePorts, waitForPort } from '../lib/ports.js';
import { expectBody } from '../lib/http-check.js';
import { launchSwitchyard, plainWorkspace } from '../lib/switchyard.js';
import { runWrk } from '../lib/wrk.js';
import { fmtDeltaMs, fmtMs, fmtRate, fmtRatio, medianRun, table } from '../lib/format.js';

export const description = 'reverse-proxy req/s and latency: Switchyard vs http-proxy, undici pass-through, nginx';

/** How long Switchyard may take to shut down (it writes out its history queue) before it is killed. */
const STOP_GRACE_MS = 60_000;

const TARGETS = [
  { id: 'switchyard/http-proxy', of: 'switchyard', vs: 'http-proxy', min: 2.0 },
  { id: 'switchyard/undici-passthrough', of: 'switchyard', vs: 'undici-passthrough', min: 0.85 },
  { id: 'switchyard/nginx', of: 'switchyard', vs: 'nginx', min: null },
  // Issue 3: recording every exchange into history costs at most 10%. Judged
  // against capture and history both off (the strict reading); history alone
  // off, with capture still feeding the live view, is reported beside it.
  { id: 'switchyard/switchyard-no-capture', of: 'switchyard', vs: 'switchyard-no-capture', min: 0.9 },
  { id: 'switchyard/switchyard-no-history', of: 'switchyard', vs: 'switchyard-no-history', min: null },
];

/** Files (recursively) and their sizes, to show whether capture/history wrote anything. */
function dirFiles(dir) {
  const out = {};
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.statSync(p).size;
    }
  };
  try {
    walk(dir);
  } catch {
    /* no data dir */
  }
  return out;
}

/**
 * What history holds after a run: exchanges and those stored without bodies.
 * The writer sheds bodies, then records, when it falls behind; a ratio bought
 * that way would not be a fair one, so the report compares this with the
 * requests served.
 */
function historyContents(dataDir) {
  const file = path.join(dataDir, 'history.db');
  if (!fs.existsSync(file)) return null;
  const db = new Database(file, { readonly: true });
  try {
    const r = db.prepare('SELECT count(*) AS rows, coalesce(sum(bodies_dropped), 0) AS withoutBodies FROM exchanges').get();
    return { rows: r.rows, withoutBodies: r.withoutBodies };
  } finally {
    db.close();
  }
}

/**
 * Switchyard from its CLI, as a user runs it; `extraYaml` is appended to the
 * workspace. Every round starts on an empty data dir of its own, so rounds
 * run alike (none inherits a grown database, or hits the default retention
 * of 200,000 rows) and what history holds can be summed over them.
 */
function switchyardContender(ctx, backendPorts, name, label, extraYaml) {
  const { tmpDir, rootDir, settings } = ctx;
  const [a, b] = backendPorts;
  const rounds = []; // per round: its command, shutdown time, whether it had to be killed, what history held after it
  return {
    name,
    label,
    start: async () => {
      const bin = path.join(rootDir, 'bin', 'switchyard.js');
      if (!fs.existsSync(bin)) throw new Error(`${path.relative(rootDir, bin)} not found (engine not built yet?)`);
      const { proc, port, args, dataDir } = await launchSwitchyard(ctx, {
        dir: path.join(tmpDir, name, `round-${rounds.length + 1}`),
        logFile: 'output.log',
        workspace: (p) => plainWorkspace(p, [a, b]) + extraYaml,
      });
      try {
        await waitForPort(port, { timeoutMs: settings.startTimeoutS * 1000, alive: () => proc.alive() });
      } catch (err) {
        await proc.stop();
        const log = proc.logTail(1500).trim();
        throw new Error(`${err.message}${log ? `\n--- switchyard output ---\n${log}` : ''}`);
      }
      return {
        url: `http://127.0.0.1:${port}/`,
        // Shutdown writes what the history queue still holds; a kill would lose it and
        // make the recorded count meaningless, so it gets a minute.
        stop: async () => {
          const t = Date.now();
          const exit = await proc.stop(STOP_GRACE_MS);
          // The files first: reading history.db creates its -shm and -wal again.
          const files = dirFiles(dataDir);
          rounds.push({ args, stopMs: Date.now() - t, killed: exit?.signal === 'SIGKILL', files, history: historyContents(dataDir) });
        },
        alive: () => proc.alive(),
        log: () => proc.logTail(),
        // Called after stop(), so the last round is this one.
        info: () => ({
          command: `node ${rounds.at(-1).args.map((x) => (x.startsWith(rootDir + path.sep) ? path.relative(rootDir, x) : x)).join(' ')}`,
          dataDirFiles: rounds.at(-1).files,
          history: sumHistory(rounds.map((r) => r.history)),
          rounds: rounds.map(({ stopMs, killed }) => ({ stopMs, killed })),
        }),
      };
    },
  };
}

/** Rows and rows without bodies over every round's history (null when none had one). */
function sumHistory(list) {
  const present = list.filter((h) => h !== null);
  if (present.length === 0) return null;
  return { rows: present.reduce((n, h) => n + h.rows, 0), withoutBodies: present.reduce((n, h) => n + h.withoutBodies, 0) };
}

/** Contenders in run order; each start() resolves { url, stop, alive?, info? } or throws to be skipped. */
function contenders(ctx, backendPorts) {
  const { tmpDir, benchDir } = ctx;
  const [a, b] = backendPorts;
  const backendUrls = backendPorts.map((p) => `http://127.0.0.1:${p}`);
  const fromNode = (name, file) => async () => {
    const c = await startNodeContender({ file: path.join(benchDir, 'contenders', file), args: backendUrls, name, logDir: tmpDir });
    return { url: c.url, stop: () => c.proc.stop(), alive: () => c.proc.alive(), log: () => c.proc.logTail() };
  };
  return [
    {
      name: 'backend',
      label: 'backend direct (nginx)',
      start: async () => ({ url: `http://127.0.0.1:${a}/`, stop: async () => {} }),
    },
    switchyardContender(ctx, backendPorts, 'switchyard', 'switchyard (capture + history on)', ''),
    switchyardContender(ctx, backendPorts, 'switchyard-no-capture', 'switchyard (capture + history off)', 'capture: { enabled: false }\nhistory: { enabled: false }\n'),
    switchyardContender(ctx, backendPorts, 'switchyard-no-history', 'switchyard (capture on, history off)', 'history: { enabled: false }\n'),
    { name: 'http-proxy', label: 'http-proxy (keep-alive agent)', start: fromNode('http-proxy', 'http-proxy.js') },
    { name: 'undici-passthrough', label: 'undici pass-through', start: fromNode('undici-passthrough', 'undici-passthrough.js') },
    {
      name: 'nginx',
      label: 'nginx proxy (1 worker, keepalive)',
      start: async () => {
        const port = await freePort();
        const proc = await startNginx({
          template: 'proxy.conf',
          prefix: path.join(tmpDir, 'nginx-proxy'),
          vars: { PORT: port, BACKEND_A: a, BACKEND_B: b },
          waitPorts: [port],
          name: 'nginx proxy',
        });
        return { url: `http://127.0.0.1:${port}/`, stop: () => proc.stop(), alive: () => proc.alive(), log: () => proc.logTail() };
      },
    },
  ];
}

function summarizeRun(w) {
  return {
    requestsPerSec: w.requestsPerSec,
    p50Ms: w.percentiles.p50 ?? null,
    p75Ms: w.percentiles.p75 ?? null,
    p90Ms: w.percentiles.p90 ?? null,
    p99Ms: w.percentiles.p99 ?? null,
    avgMs: w.latency?.avgMs ?? null,
    maxMs: w.latency?.maxMs ?? null,
    requests: w.requests,
    errors: w.errors,
    non2xx3xx: w.non2xx3xx,
    socketErrors: w.socketErrors,
  };
}

async function measure(ctx, c, body, result) {
  const { settings, log } = ctx;
  let running;
  try {
    running = await c.start();
  } catch (err) {
    if (interrupted()) throw err;
    result.status = 'skipped';
    result.reason = `could not start: ${err.message}`;
    log(`  ${c.name}: SKIPPED — ${result.reason}`);
    return;
  }
  try {
    result.url = running.url;
    await expectBody(running.url, body);
    const wrkOpts = { connections: settings.connections, threads: settings.threads };
    result.served += 1; // expectBody
    if (settings.warmupS > 0) result.served += (await runWrk(running.url, { ...wrkOpts, durationS: settings.warmupS })).requests;
    const w = await runWrk(running.url, { ...wrkOpts, durationS: settings.durationS });
    result.served += w.requests;
    const run = summarizeRun(w);
    if (settings.latencyDurationS > 0) {
      const l = await runWrk(running.url, { connections: 1, threads: 1, durationS: settings.latencyDurationS });
      result.served += l.requests;
      run.unloaded = summarizeRun(l);
    }
    const alive = running.alive ? running.alive() : true;
    if (alive !== true) throw new Error(`${alive} during the run`);
    result.runs.push(run);
    result.wrkRaw.push(w.raw);
    const errNote = run.errors ? `, ${run.errors} errors` : '';
    log(`  ${c.name}: ${fmtRate(run.requestsPerSec)} req/s, p50 ${fmtMs(run.p50Ms)}, p99 ${fmtMs(run.p99Ms)}${errNote}`);
  } catch (err) {
    if (interrupted()) throw err;
    result.status = 'failed';
    result.reason = err.message;
    const tail = running.log ? running.log().trim() : '';
    log(`  ${c.name}: FAILED — ${err.message}${tail ? `\n${tail}` : ''}`);
  } finally {
    await running.stop();
    if (running.info) result.info = running.info();
  }
}

const diff = (x, y) => (typeof x === 'number' && typeof y === 'number' ? Number((x - y).toFixed(6)) : null);

function summarize(result) {
  if (result.status !== 'ok' || result.runs.length === 0) return null;
  // Median run by req/s; its latencies go with it.
  const { requestsPerSec: rps, mid } = medianRun(result.runs);
  return {
    requestsPerSec: rps,
    p50Ms: mid.p50Ms,
    p99Ms: mid.p99Ms,
    errors: result.runs.reduce((n, r) => n + r.errors, 0),
    requests: result.runs.reduce((n, r) => n + r.requests, 0),
    unloaded: mid.unloaded ? { p50Ms: mid.unloaded.p50Ms, p99Ms: mid.unloaded.p99Ms, requestsPerSec: mid.unloaded.requestsPerSec } : undefined,
  };
}

export async function run(ctx) {
  const { settings, log, tmpDir } = ctx;
  const body = makeBody(settings.bodySize);
  const backendPorts = await freePorts(2);
  log(`backend: nginx on 127.0.0.1:${backendPorts.join(' and :')} (${settings.bodySize}-byte body)`);
  const backend = await startBackend(tmpDir, backendPorts, body);
  for (const p of backendPorts) await expectBody(`http://127.0.0.1:${p}/`, body);

  let list = contenders(ctx, backendPorts);
  if (settings.contenders) {
    const unknown = settings.contenders.filter((n) => !list.some((c) => c.name === n));
    if (unknown.length) throw new Error(`BENCH_CONTENDERS: unknown ${unknown.join(', ')} (have ${list.map((c) => c.name).join(', ')})`);
    list = list.filter((c) => c.name === 'backend' || settings.contenders.includes(c.name));
  }

  const results = Object.fromEntries(
    list.map((c) => [c.name, { name: c.name, label: c.label, status: 'ok', reason: null, url: null, runs: [], wrkRaw: [], served: 0 }]),
  );
  const startedAt = new Date();
  log(
    `wrk -t${settings.threads} -c${settings.connections} -d${settings.durationS}s (warm-up ${settings.warmupS}s)` +
      `${settings.rounds > 1 ? `, ${settings.rounds} rounds (median)` : ''}` +
      `${settings.latencyDurationS ? `, plus -c1 -d${settings.latencyDurationS}s for unloaded latency` : ''}`,
  );
  try {
    for (let round = 1; round <= settings.rounds; round++) {
      if (settings.rounds > 1) log(`round ${round}/${settings.rounds}`);
      for (const c of list) {
        if (results[c.name].status !== 'ok') continue; // skipped or failed once: do not retry
        await measure(ctx, c, body, results[c.name]);
      }
    }
  } finally {
    await backend.stop();
  }

  const summary = Object.fromEntries(Object.values(results).map((r) => [r.name, summarize(r)]));
  const base = summary.backend;
  const added = {};
  for (const [name, s] of Object.entries(summary)) {
    if (name === 'backend' || !s || !base) continue;
    added[name] = {
      p50Ms: diff(s.p50Ms, base.p50Ms),
      p99Ms: diff(s.p99Ms, base.p99Ms),
      ...(s.unloaded && base.unloaded
        ? { unloadedP50Ms: diff(s.unloaded.p50Ms, base.unloaded.p50Ms), unloadedP99Ms: diff(s.unloaded.p99Ms, base.unloaded.p99Ms) }
        : {}),
    };
  }
  // Recording that fell behind (bodies or records dropped) makes every
  // Switchyard ratio with history on a ratio of a lighter workload.
  const sy = results.switchyard;
  const recorded = sy?.info?.history ?? null;
  const shed = recorded !== null && (recorded.rows < sy.served || recorded.withoutBodies > 0);
  const ratios = TARGETS.map((t) => {
    const of = summary[t.of];
    const vs = summary[t.vs];
    const value = of && vs ? of.requestsPerSec / vs.requestsPerSec : null;
    const pass = t.min === null || value === null ? null : value >= t.min && !(shed && t.of === 'switchyard');
    return { id: t.id, value, target: t.min, pass };
  });

  // ---- report ----
  const rows = [['contender', 'req/s', 'p50', 'p99', '+p50', '+p99', 'errors', 'status']];
  for (const r of Object.values(results)) {
    const s = summary[r.name];
    const a = added[r.name];
    rows.push([
      r.name,
      s ? fmtRate(s.requestsPerSec) : '-',
      s ? fmtMs(s.p50Ms) : '-',
      s ? fmtMs(s.p99Ms) : '-',
      a ? fmtDeltaMs(a.p50Ms) : '',
      a ? fmtDeltaMs(a.p99Ms) : '',
      s ? String(s.errors) : '-',
      r.status === 'ok' ? (s.errors ? 'ok (errors!)' : 'ok') : `${r.status}: ${r.reason.split('\n')[0]}`,
    ]);
  }
  log('');
  log(table(rows, { rightAlign: [1, 2, 3, 4, 5, 6] }));
  if (Object.values(added).some((a) => 'unloadedP50Ms' in a)) {
    log('');
    log('unloaded latency (wrk -c1), added over backend direct:');
    for (const [name, a] of Object.entries(added)) {
      if ('unloadedP50Ms' in a) log(`  ${name.padEnd(20)} p50 ${fmtDeltaMs(a.unloadedP50Ms)}, p99 ${fmtDeltaMs(a.unloadedP99Ms)}`);
    }
  }
  if (sy?.info) {
    const files = Object.entries(sy.info.dataDirFiles);
    const total = files.reduce((n, [, size]) => n + size, 0);
    log('');
    log(
      `switchyard data dir after the last round: ${files.length ? files.map(([f, size]) => `${f} ${size} B`).join(', ') : 'empty'}` +
        (total === 0 ? '  ← no history written: capture/history seem off, which §10 requires on' : ''),
    );
    if (recorded !== null) {
      log(
        `switchyard history: ${recorded.rows} exchanges for ${sy.served} requests served, ${recorded.withoutBodies} stored without bodies` +
          (shed ? '  ← recording fell behind and shed load: its ratios count as MISS' : ' (nothing shed)'),
      );
    }
    log(
      `switchyard shutdown (history written out): ${sy.info.rounds.map((r) => `${(r.stopMs / 1000).toFixed(1)} s${r.killed ? ' (KILLED: queued records lost)' : ''}`).join(', ')}`,
    );
  }
  log('');
  log('ratios (req/s):');
  for (const r of ratios) {
    const verdict = r.target === null ? '(reported)' : r.pass === null ? `target ≥ ${r.target}: n/a` : `target ≥ ${r.target}: ${r.pass ? 'PASS' : 'MISS'}`;
    log(`  ${r.id.padEnd(32)} ${fmtRatio(r.value).padStart(7)}  ${verdict}`);
  }
  if (results.switchyard && results.switchyard.status !== 'ok') {
    log(`  (switchyard ${results.switchyard.status}: ${results.switchyard.reason.split('\n')[0]})`);
  }

  const files = ctx.writeResults('proxy', {
    suite: 'proxy-throughput',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: ctx.machine,
    settings: {
      durationS: settings.durationS,
      warmupS: settings.warmupS,
      connections: settings.connections,
      threads: settings.threads,
      rounds: settings.rounds,
      latencyDurationS: settings.latencyDurationS,
      bodySize: settings.bodySize,
      backends: 2,
    },
    contenders: results,
    summary,
    addedLatencyMs: added,
    ratios,
  });
  log('');
  log(`results: ${files.map((f) => path.relative(ctx.rootDir, f)).join(', ')}`);
  return { ratios, summary };
}
