#!/usr/bin/env node
// Benchmark runner: `node bench/run.js [suite …]` runs every suite in
// bench/suites/ (or only the named ones). A suite is a file exporting
// `async function run(ctx)` (and optionally `description`). See bench/README.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cleanupAll, installCleanup, interrupted, onCleanup } from './lib/processes.js';
import { readSettings } from './lib/settings.js';
import { nginxVersion } from './lib/nginx.js';
import { wrkVersion } from './lib/wrk.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.resolve(benchDir, '..');
const suitesDir = path.join(benchDir, 'suites');
const resultsDir = path.join(benchDir, 'results');

function log(line = '') {
  process.stdout.write(line + '\n');
}

async function loadSuites() {
  const files = fs.readdirSync(suitesDir).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js')).sort();
  const suites = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(path.join(suitesDir, f)).href);
    if (typeof mod.run !== 'function') throw new Error(`bench/suites/${f} does not export run(ctx)`);
    suites.push({ name: f.replace(/\.js$/, ''), description: mod.description ?? '', run: mod.run });
  }
  return suites;
}

function writeResults(prefix, data) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify(data, null, 2) + '\n';
  const files = [path.join(resultsDir, `${prefix}-${stamp}.json`), path.join(resultsDir, `latest-${prefix}.json`)];
  for (const f of files) {
    fs.writeFileSync(`${f}.tmp`, json);
    fs.renameSync(`${f}.tmp`, f);
  }
  return files;
}

async function main() {
  const argv = process.argv.slice(2);
  const suites = await loadSuites();
  if (argv.includes('--help') || argv.includes('-h') || argv.includes('--list')) {
    log('usage: node bench/run.js [suite …]   (see bench/README.md for BENCH_* settings)');
    log('suites:');
    for (const s of suites) log(`  ${s.name.padEnd(22)} ${s.description}`);
    return 0;
  }
  const unknown = argv.filter((a) => !suites.some((s) => s.name === a));
  if (unknown.length) {
    process.stderr.write(`bench: unknown suite(s): ${unknown.join(', ')}; have: ${suites.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const selected = argv.length ? suites.filter((s) => argv.includes(s.name)) : suites;

  installCleanup();
  const settings = readSettings();
  const machine = {
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    memoryBytes: os.totalmem(),
    loadavg: os.loadavg(),
    node: process.version,
    nginx: await nginxVersion(),
    wrk: await wrkVersion(),
  };
  log(`bench: ${machine.cpus} CPU(s) ${machine.cpuModel ?? ''}, node ${machine.node}, nginx ${machine.nginx ?? 'missing'}, ${machine.wrk ?? 'wrk missing'}`);
  if (!machine.wrk) {
    process.stderr.write('bench: wrk is not installed (apt-get install wrk)\n');
    return 1;
  }

  let failed = 0;
  for (const suite of selected) {
    log('');
    log(`== ${suite.name} ==`);
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-bench-${suite.name}-`));
    if (settings.keepTmp) log(`(keeping ${tmpDir})`);
    else onCleanup(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
    const ctx = { name: suite.name, rootDir, benchDir, resultsDir, tmpDir, settings, machine, log, writeResults };
    try {
      await suite.run(ctx);
    } catch (err) {
      if (interrupted()) break;
      failed++;
      process.stderr.write(`bench: suite ${suite.name} failed: ${err?.stack ?? err}\n`);
    } finally {
      await cleanupAll();
    }
  }
  return failed ? 1 : 0;
}

main().then(
  async (code) => {
    await cleanupAll();
    process.exit(code);
  },
  async (err) => {
    process.stderr.write(`bench: ${err?.stack ?? err}\n`);
    await cleanupAll();
    process.exit(1);
  },
);
