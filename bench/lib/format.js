// Small text-formatting helpers for bench reports.

export function fmtMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return 'n/a';
  if (Math.abs(ms) < 1) return `${(ms * 1000).toFixed(0)}us`;
  if (Math.abs(ms) < 100) return `${ms.toFixed(2)}ms`;
  return `${ms.toFixed(0)}ms`;
}

export function fmtDeltaMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return 'n/a';
  return (ms >= 0 ? '+' : '-') + fmtMs(Math.abs(ms));
}

export function fmtRate(n) {
  if (n === null || n === undefined) return 'n/a';
  return Math.round(n).toLocaleString('en-US');
}

export function fmtRatio(r) {
  return r === null || r === undefined || !Number.isFinite(r) ? 'n/a' : `${r.toFixed(2)}×`;
}

/** Render rows (arrays of strings) as an aligned text table; first row is the header. */
export function table(rows, { rightAlign = [] } = {}) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r) =>
    r
      .map((cell, i) => {
        const s = String(cell ?? '');
        return rightAlign.includes(i) ? s.padStart(widths[i]) : s.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]), sep, ...rows.slice(1).map(line)].join('\n');
}

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** The median req/s of `runs` and the run closest to it (whose latencies go with it). */
export function medianRun(runs) {
  const requestsPerSec = median(runs.map((r) => r.requestsPerSec));
  const mid = [...runs].sort((a, b) => Math.abs(a.requestsPerSec - requestsPerSec) - Math.abs(b.requestsPerSec - requestsPerSec))[0];
  return { requestsPerSec, mid };
}

/** "(reported)" for a ratio without a target, else whether it reached it. */
export function fmtVerdict(target, pass) {
  return target === null ? '(reported)' : `target ≥ ${target}: ${pass ? 'PASS' : 'MISS'}`;
}
