// HTTPS throughput (issue 6): Switchyard terminating TLS with its local CA vs
// nginx terminating TLS with an ECDSA P-256 certificate, both in front of the
// same nginx backend. wrk over HTTPS/1.1 keep-alive (the handshake happens once
// per connection, so this measures steady-state encrypted proxying); h2load
// over HTTP/2 as a second measurement when it is installed.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { makeBody, startBackend } from '../lib/backend.js';
import { startNginx } from '../lib/nginx.js';
import { interrupted, runCommand } from '../lib/processes.js';
import { freePort, freePorts, waitForPort } from '../lib/ports.js';
import { launchSwitchyard } from '../lib/switchyard.js';
import { runWrk } from '../lib/wrk.js';
import { fmtMs, fmtRate, fmtRatio, table } from '../lib/format.js';

export const description = 'HTTPS keep-alive req/s: Switchyard (local CA, TLS + h2) vs nginx terminating TLS';

/** One GET over TLS without verification (the certificates are local); throws unless 200 with `body`. */
function expectHttpsBody(url, body) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: false, agent: false, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const got = Buffer.concat(chunks);
        if (res.statusCode !== 200) reject(new Error(`GET ${url} answered ${res.statusCode}: ${got.toString('utf8', 0, 200)}`));
        else if (!got.equals(Buffer.from(body))) reject(new Error(`GET ${url}: body differs from the backend's`));
        else resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
  });
}

function switchyardContender(ctx, backends, name, label, extraYaml) {
  return {
    name,
    label,
    start: async () => {
      const { proc, port } = await launchSwitchyard(ctx, {
        dir: path.join(ctx.tmpDir, name),
        name,
        logFile: 'output.log',
        workspace: (p) =>
          [
            'version: 1',
            'listeners:',
            `  - { name: bench, address: 127.0.0.1:${p}, tls: { certificates: local-ca }, http2: true }`,
            'routes:',
            '  - { name: all, match: { path: / }, upstream: backends }',
            'upstreams:',
            '  backends:',
            '    targets:',
            ...backends.map((b) => `      - { url: http://127.0.0.1:${b} }`),
            extraYaml,
          ].join('\n'),
      });
      try {
        await waitForPort(port, { timeoutMs: ctx.settings.startTimeoutS * 1000, alive: () => proc.alive() });
      } catch (err) {
        await proc.stop();
        throw new Error(`${err.message}\n${proc.logTail(1500)}`);
      }
      return { url: `https://localhost:${port}/`, stop: () => proc.stop(5000), alive: () => proc.alive(), log: () => proc.logTail() };
    },
  };
}

function nginxContender(ctx, backends) {
  return {
    name: 'nginx',
    label: 'nginx (1 worker, TLS, keepalive upstream)',
    start: async () => {
      const dir = path.join(ctx.tmpDir, 'nginx-tls');
      fs.mkdirSync(dir, { recursive: true });
      const cert = path.join(dir, 'cert.pem');
      const key = path.join(dir, 'key.pem');
      // Same key type as the local CA's leaves, so both sides pay for the same signatures.
      await runCommand('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '7',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert,
      ], { timeoutMs: 10000 });
      const port = await freePort();
      const proc = await startNginx({
        template: 'https-proxy.conf',
        prefix: dir,
        vars: { PORT: port, BACKEND_A: backends[0], BACKEND_B: backends[1], CERT: cert, KEY: key },
        waitPorts: [port],
        name: 'nginx tls',
      });
      return { url: `https://localhost:${port}/`, stop: () => proc.stop(), alive: () => proc.alive(), log: () => proc.logTail() };
    },
  };
}

async function h2loadVersion() {
  try {
    const { stdout } = await runCommand('h2load', ['--version'], { timeoutMs: 5000 });
    return stdout.trim().split('\n')[0];
  } catch {
    return null;
  }
}

/** h2load over HTTP/2: `clients` connections, `streams` concurrent streams each. */
async function runH2load(url, { durationS, clients = 16, streams = 10 }) {
  const { stdout } = await runCommand('h2load', ['-c', String(clients), '-m', String(streams), '-D', String(durationS), '-t', '1', url], {
    timeoutMs: (durationS + 30) * 1000,
  });
  const rps = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(stdout);
  const status = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(stdout);
  if (!rps || !status) throw new Error(`h2load: cannot read its report:\n${stdout.slice(-800)}`);
  return { requestsPerSec: Number(rps[1]), done: Number(status[1]), failed: Number(status[3]) + Number(status[4]), raw: stdout };
}

export async function run(ctx) {
  const { settings, log, tmpDir } = ctx;
  const body = makeBody(settings.bodySize);
  const backends = await freePorts(2);
  const backend = await startBackend(tmpDir, backends, body);
  const h2load = await h2loadVersion();
  const list = [
    switchyardContender(ctx, backends, 'switchyard', 'switchyard (capture + history on)', ''),
    switchyardContender(ctx, backends, 'switchyard-no-capture', 'switchyard (capture + history off)', 'capture: { enabled: false }\nhistory: { enabled: false }\n'),
    nginxContender(ctx, backends),
  ];
  log(`wrk -t${settings.threads} -c${settings.connections} -d${settings.durationS}s over HTTPS/1.1 (warm-up ${settings.warmupS}s)` + (h2load ? `; h2load -c16 -m10 -D${settings.durationS}s over HTTP/2` : '; h2load missing: no HTTP/2 pass'));
  const results = {};
  const startedAt = new Date();
  try {
    for (const c of list) {
      const r = (results[c.name] = { name: c.name, label: c.label, status: 'ok', reason: null, wrk: null, h2load: null });
      let running;
      try {
        running = await c.start();
        await expectHttpsBody(running.url, body);
        const opts = { connections: settings.connections, threads: settings.threads };
        if (settings.warmupS > 0) await runWrk(running.url, { ...opts, durationS: settings.warmupS });
        const w = await runWrk(running.url, { ...opts, durationS: settings.durationS });
        r.wrk = { requestsPerSec: w.requestsPerSec, p50Ms: w.percentiles.p50 ?? null, p99Ms: w.percentiles.p99 ?? null, errors: w.errors, raw: w.raw };
        if (h2load) {
          const h = await runH2load(running.url, { durationS: settings.durationS });
          r.h2load = { requestsPerSec: h.requestsPerSec, failed: h.failed, raw: h.raw };
        }
        const alive = running.alive();
        if (alive !== true) throw new Error(`${alive} during the run`);
        log(`  ${c.name}: https/1.1 ${fmtRate(r.wrk.requestsPerSec)} req/s (p50 ${fmtMs(r.wrk.p50Ms)}, p99 ${fmtMs(r.wrk.p99Ms)}, ${r.wrk.errors} errors)` + (r.h2load ? `, h2 ${fmtRate(r.h2load.requestsPerSec)} req/s (${r.h2load.failed} failed)` : ''));
      } catch (err) {
        if (interrupted()) throw err;
        r.status = 'failed';
        r.reason = err.message;
        log(`  ${c.name}: FAILED — ${err.message}${running?.log ? `\n${running.log().trim()}` : ''}`);
      } finally {
        await running?.stop();
      }
    }
  } finally {
    await backend.stop();
  }

  const ratio = (of, vs, key) => {
    const a = results[of]?.[key]?.requestsPerSec;
    const b = results[vs]?.[key]?.requestsPerSec;
    return typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null;
  };
  const ratios = [
    { id: 'switchyard/nginx https/1.1', value: ratio('switchyard', 'nginx', 'wrk') },
    { id: 'switchyard-no-capture/nginx https/1.1', value: ratio('switchyard-no-capture', 'nginx', 'wrk') },
    { id: 'switchyard/nginx h2', value: ratio('switchyard', 'nginx', 'h2load') },
    { id: 'switchyard-no-capture/nginx h2', value: ratio('switchyard-no-capture', 'nginx', 'h2load') },
  ];
  const rows = [['contender', 'https/1.1 req/s', 'p50', 'p99', 'h2 req/s', 'status']];
  for (const r of Object.values(results)) {
    rows.push([r.name, r.wrk ? fmtRate(r.wrk.requestsPerSec) : '-', r.wrk ? fmtMs(r.wrk.p50Ms) : '-', r.wrk ? fmtMs(r.wrk.p99Ms) : '-', r.h2load ? fmtRate(r.h2load.requestsPerSec) : '-', r.status === 'ok' ? 'ok' : `${r.status}: ${r.reason.split('\n')[0]}`]);
  }
  log('');
  log(table(rows, { rightAlign: [1, 2, 3, 4] }));
  log('');
  log('ratios (req/s, reported):');
  for (const r of ratios) log(`  ${r.id.padEnd(40)} ${fmtRatio(r.value).padStart(7)}`);
  const files = ctx.writeResults('https', {
    suite: 'https',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { ...ctx.machine, h2load },
    settings: { durationS: settings.durationS, warmupS: settings.warmupS, connections: settings.connections, threads: settings.threads, bodySize: settings.bodySize, h2load: { clients: 16, streams: 10 } },
    contenders: results,
    ratios,
  });
  log('');
  log(`results: ${files.map((f) => path.relative(ctx.rootDir, f)).join(', ')}`);
  return { ratios };
}
