/** Durations (`500ms`, `2s`, `1m`, `1h`, `7d`) and sizes (`64KB`, `50MB`) as written in workspaces. */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
export const SIZE_PATTERN = /^(\d+(?:\.\d+)?)(B|KB|MB|GB)$/;

const DURATION_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const SIZE_BYTES = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as const;

export function parseDuration(text: string): number {
  const m = DURATION_PATTERN.exec(text);
  if (!m) throw new Error(`"${text}" is not a duration (use e.g. 500ms, 2s, 1m)`);
  return Math.round(Number(m[1]) * DURATION_MS[m[2] as keyof typeof DURATION_MS]);
}

export function parseSize(text: string): number {
  const m = SIZE_PATTERN.exec(text);
  if (!m) throw new Error(`"${text}" is not a size (use e.g. 512B, 64KB, 50MB)`);
  return Math.round(Number(m[1]) * SIZE_BYTES[m[2] as keyof typeof SIZE_BYTES]);
}
