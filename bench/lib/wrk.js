// Running wrk and parsing its text report (wrk 4.x, with --latency).
import { runCommand } from './processes.js';

const TIME_UNITS = { us: 0.001, ms: 1, s: 1000, m: 60000, h: 3600000 };
const METRIC_UNITS = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
const BINARY_UNITS = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** "1.23ms" → 1.23, "250.00us" → 0.25, "1.50s" → 1500, "2.00m" → 120000 (milliseconds). */
export function parseDurationMs(text) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: cannot read duration "${text}"`);
  return Number((Number(m[1]) * TIME_UNITS[m[2]]).toFixed(6));
}

/** "12.34k" → 12340 (wrk's format_metric). */
export function parseMetric(text) {
  const m = /^([\d.]+)([kMGT]?)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: cannot read number "${text}"`);
  return Number(m[1]) * METRIC_UNITS[m[2]];
}

/** "170.23MB" → bytes (wrk's format_binary, 1024-based). */
export function parseBytes(text) {
  const m = /^([\d.]+)(B|KB|MB|GB|TB)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: cannot read size "${text}"`);
  return Number(m[1]) * BINARY_UNITS[m[2]];
}

/**
 * Parse wrk's stdout. Times are in milliseconds, sizes in bytes.
 * Throws when the essential lines (Requests/sec, request count) are missing.
 */
export function parseWrk(output) {
  const result = {
    url: null,
    threads: null,
    connections: null,
    latency: null,
    reqPerThread: null,
    percentiles: {},
    requests: null,
    durationMs: null,
    bytesRead: null,
    requestsPerSec: null,
    transferPerSec: null,
    non2xx3xx: 0,
    socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
  };
  let m;
  if ((m = /Running .+ test @ (\S+)/.exec(output))) result.url = m[1];
  if ((m = /(\d+) threads and (\d+) connections/.exec(output))) {
    result.threads = Number(m[1]);
    result.connections = Number(m[2]);
  }
  if ((m = /^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)%/m.exec(output))) {
    result.latency = {
      avgMs: parseDurationMs(m[1]),
      stdevMs: parseDurationMs(m[2]),
      maxMs: parseDurationMs(m[3]),
      withinStdevPct: Number(m[4]),
    };
  }
  if ((m = /^\s*Req\/Sec\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)%/m.exec(output))) {
    result.reqPerThread = { avg: parseMetric(m[1]), stdev: parseMetric(m[2]), max: parseMetric(m[3]) };
  }
  const distAt = output.indexOf('Latency Distribution');
  if (distAt !== -1) {
    const lines = output.slice(distAt).split('\n').slice(1);
    for (const line of lines) {
      const p = /^\s*([\d.]+)%\s+(\S+)\s*$/.exec(line);
      if (!p) break;
      result.percentiles[`p${Number(p[1])}`] = parseDurationMs(p[2]);
    }
  }
  if ((m = /(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read/.exec(output))) {
    result.requests = Number(m[1]);
    result.durationMs = parseDurationMs(m[2]);
    result.bytesRead = parseBytes(m[3]);
  }
  if ((m = /Non-2xx or 3xx responses:\s*(\d+)/.exec(output))) result.non2xx3xx = Number(m[1]);
  if ((m = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output))) {
    result.socketErrors = { connect: +m[1], read: +m[2], write: +m[3], timeout: +m[4] };
  }
  if ((m = /Requests\/sec:\s*([\d.]+)/.exec(output))) result.requestsPerSec = Number(m[1]);
  if ((m = /Transfer\/sec:\s*([\d.]+\w+)/.exec(output))) result.transferPerSec = parseBytes(m[1]);
  if (result.requestsPerSec === null || result.requests === null) {
    throw new Error(`wrk: unexpected output:\n${output.trim()}`);
  }
  const se = result.socketErrors;
  result.errors = result.non2xx3xx + se.connect + se.read + se.write + se.timeout;
  return result;
}

/**
 * Run wrk against url. opts: { durationS, connections, threads, timeoutS, headers: ['Name: value', …] }.
 * Resolves with the parsed report plus the raw output.
 */
export async function runWrk(url, { durationS = 10, connections = 64, threads = 1, timeoutS = 2, headers = [] } = {}) {
  const args = [
    ...headers.flatMap((h) => ['-H', h]),
    `-t${threads}`,
    `-c${connections}`,
    `-d${durationS}s`,
    `--timeout`,
    `${timeoutS}s`,
    '--latency',
    url,
  ];
  const { code, stdout, stderr } = await runCommand(process.env.BENCH_WRK ?? 'wrk', args, {
    timeoutMs: (durationS + timeoutS + 30) * 1000,
  });
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${(stderr || stdout).trim()}`);
  return { ...parseWrk(stdout), raw: stdout };
}

export async function wrkVersion() {
  try {
    const { stdout, stderr } = await runCommand(process.env.BENCH_WRK ?? 'wrk', ['--version'], { timeoutMs: 5000 });
    return (stdout || stderr).split('\n')[0].trim() || null;
  } catch {
    return null;
  }
}
