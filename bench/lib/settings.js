// Bench settings from the environment (documented in bench/README.md).

function num(name, fallback, { min = 0, integer = false } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number.parseFloat(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name}=${raw}: expected a number ≥ ${min}`);
  return integer ? Math.round(n) : n;
}

function list(name) {
  const raw = process.env[name];
  if (!raw) return null;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

export function readSettings() {
  return {
    durationS: num('BENCH_DURATION', 10, { min: 1, integer: true }),
    connections: num('BENCH_CONNECTIONS', 64, { min: 1, integer: true }),
    threads: num('BENCH_THREADS', 1, { min: 1, integer: true }),
    warmupS: num('BENCH_WARMUP', 2, { min: 0, integer: true }),
    rounds: num('BENCH_ROUNDS', 1, { min: 1, integer: true }),
    latencyDurationS: num('BENCH_LATENCY_DURATION', 0, { min: 0, integer: true }),
    startTimeoutS: num('BENCH_START_TIMEOUT', 30, { min: 1 }),
    bodySize: num('BENCH_BODY_SIZE', 1024, { min: 1, integer: true }),
    contenders: list('BENCH_CONTENDERS'),
    switchyardArgs: (process.env.BENCH_SWITCHYARD_ARGS ?? '').split(/\s+/).filter(Boolean),
    keepTmp: process.env.BENCH_KEEP_TMP === '1',
  };
}
