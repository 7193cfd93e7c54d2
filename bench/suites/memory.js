// Memory (DESIGN §10): the gateway's resident memory while 1 GiB streams
// through it each way, and over 1,000,000 requests. Switchyard runs as a user
// runs it (`serve`, capture and history on, default retention), so the
// figures include capture's body copies, the live cache of recent exchanges
// and the history writer.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { makeBody, startBackend } from '../lib/backend.js';
import { expectBody } from '../lib/http-check.js';
import { freePorts, waitForPort } from '../lib/ports.js';
import { launchSwitchyard, plainWorkspace } from '../lib/switchyard.js';
import { runWrk } from '../lib/wrk.js';
import { fmtRate, table } from '../lib/format.js';

export const description = 'gateway RSS: 1 GiB upload and download through it, and over 1,000,000 requests';

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(MB, 'switchyard-memory-bench-');

/** Resident set size of a process in bytes, from /proc (Linux). */
function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Samples a process's RSS every 50 ms until stopped; returns the peak. */
function rssSampler(pid) {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid));
    } catch {
      /* exited: the caller notices */
    }
  }, 50);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssOf(pid));
  };
}

/** Writes `total` bytes to `stream` in 1 MiB chunks, waiting for 'drain' when it is full, then ends it. */
function sendBytes(stream, total) {
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const n = Math.min(CHUNK.length, total - sent);
      sent += n;
      if (!stream.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return void stream.once('drain', pump);
    }
    stream.end();
  };
  pump();
}

/** The streaming backend: PUT /sink counts and discards the body; GET /source?bytes=N sends N bytes. */
function startStreamBackend(port) {
  const server = http.createServer((req, res) => {
    if (req.method === 'PUT') {
      let n = 0;
      req.on('data', (c) => (n += c.length));
      req.on('end', () => res.end(String(n)));
      return;
    }
    const total = Number(new URL(req.url, 'http://x').searchParams.get('bytes') ?? 0);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
    sendBytes(res, total);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

function upload(port, total) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/sink', headers: { 'content-length': total } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 200 && Number(text) === total ? resolve() : reject(new Error(`upload: ${res.statusCode} ${text.slice(0, 200)}`))));
    });
    req.on('error', reject);
    sendBytes(req, total);
  });
}

function download(port, total) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: `/source?bytes=${total}` }, (res) => {
        let n = 0;
        res.on('data', (c) => (n += c.length));
        res.on('end', () => (res.statusCode === 200 && n === total ? resolve() : reject(new Error(`download: ${res.statusCode}, ${n} of ${total} bytes`))));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

async function streaming(ctx, total) {
  const { tmpDir, settings, log } = ctx;
  const [backendPort] = await freePorts(1);
  const backend = await startStreamBackend(backendPort);
  const { proc, port } = await launchSwitchyard(ctx, {
    dir: path.join(tmpDir, 'streaming'),
    logFile: 'output.log',
    workspace: (p) => plainWorkspace(p, [backendPort]),
  });
  try {
    await waitForPort(port, { timeoutMs: settings.startTimeoutS * 1000, alive: () => proc.alive() });
    // Warm-up: code paths compiled, pools and history writer started.
    for (let i = 0; i < 8; i++) {
      await upload(port, 4 * MB);
      await download(port, 4 * MB);
    }
    const phases = [];
    for (const [name, run] of [
      ['upload', upload],
      ['download', download],
    ]) {
      const before = rssOf(proc.pid);
      const stop = rssSampler(proc.pid);
      const t0 = performance.now();
      await run(port, total);
      const seconds = (performance.now() - t0) / 1000;
      const peak = stop();
      phases.push({ name, bytes: total, seconds, rssBeforeBytes: before, rssPeakBytes: peak, growthBytes: peak - before });
      log(`  ${name} ${mb(total)}: ${(total / MB / seconds).toFixed(0)} MB/s, RSS ${mb(before)} → peak ${mb(peak)} (+${mb(peak - before)})`);
    }
    return phases;
  } finally {
    await proc.stop(5000);
    await new Promise((r) => backend.close(r));
  }
}

async function manyRequests(ctx, count) {
  const { tmpDir, settings, log } = ctx;
  const body = makeBody(settings.bodySize);
  const backendPorts = await freePorts(2);
  const backend = await startBackend(path.join(tmpDir, 'requests'), backendPorts, body);
  const { proc, port } = await launchSwitchyard(ctx, {
    dir: path.join(tmpDir, 'requests'),
    logFile: 'output.log',
    workspace: (p) => plainWorkspace(p, backendPorts),
  });
  try {
    await waitForPort(port, { timeoutMs: settings.startTimeoutS * 1000, alive: () => proc.alive() });
    const url = `http://127.0.0.1:${port}/`;
    await expectBody(url, body);
    const samples = [{ requests: 0, rssBytes: rssOf(proc.pid) }];
    let done = 0;
    let errors = 0;
    // wrk runs for a fixed time, so run it in slices until the count is reached.
    while (done < count) {
      const w = await runWrk(url, { connections: settings.connections, threads: settings.threads, durationS: 10 });
      if (w.requests === 0) throw new Error('wrk completed no request');
      done += w.requests;
      errors += w.errors;
      const alive = proc.alive();
      if (alive !== true) throw new Error(alive);
      samples.push({ requests: done, rssBytes: rssOf(proc.pid), requestsPerSec: w.requestsPerSec });
      log(`  ${fmtRate(done)} requests: RSS ${mb(samples.at(-1).rssBytes)}`);
    }
    // Flat: what the second half of the run added, against where it stood at half-way.
    const half = samples.find((s) => s.requests >= done / 2);
    const end = samples.at(-1);
    return { requests: done, errors, samples, halfway: half, end, secondHalfGrowth: (end.rssBytes - half.rssBytes) / half.rssBytes };
  } finally {
    await proc.stop(5000);
    await backend.stop();
  }
}

export async function run(ctx) {
  const { log } = ctx;
  const streamBytes = Number(process.env.BENCH_STREAM_BYTES ?? 1024 * MB);
  const requestCount = Number(process.env.BENCH_MEMORY_REQUESTS ?? 1_000_000);
  const startedAt = new Date();

  log(`streaming ${mb(streamBytes)} each way through Switchyard (target: RSS growth under 100 MB)`);
  const phases = await streaming(ctx, streamBytes);
  const streamTarget = 100 * MB;

  log(`${fmtRate(requestCount)} requests through Switchyard (target: RSS flat — the second half adds under 10%)`);
  const reqs = await manyRequests(ctx, requestCount);

  const rows = [['measure', 'value', 'target', 'verdict']];
  for (const p of phases) {
    rows.push([`${p.name} ${mb(p.bytes)}: RSS growth`, mb(p.growthBytes), '< 100 MB', p.growthBytes < streamTarget ? 'PASS' : 'MISS']);
  }
  rows.push([
    `RSS ${fmtRate(reqs.halfway.requests)} → ${fmtRate(reqs.end.requests)} requests`,
    `${mb(reqs.halfway.rssBytes)} → ${mb(reqs.end.rssBytes)} (${(reqs.secondHalfGrowth * 100).toFixed(1)}%)`,
    '< 10%',
    reqs.secondHalfGrowth < 0.1 ? 'PASS' : 'MISS',
  ]);
  log('');
  log(table(rows));
  if (reqs.errors > 0) log(`  (${reqs.errors} wrk errors)`);

  const files = ctx.writeResults('memory', {
    suite: 'memory',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: ctx.machine,
    streaming: phases,
    requests: reqs,
    targets: {
      streamingGrowthBytes: { max: streamTarget, pass: phases.every((p) => p.growthBytes < streamTarget) },
      secondHalfGrowth: { max: 0.1, value: reqs.secondHalfGrowth, pass: reqs.secondHalfGrowth < 0.1 },
    },
  });
  log('');
  log(`results: ${files.map((f) => path.relative(ctx.rootDir, f)).join(', ')}`);
}
