/**
 * `<data-dir>/serve.json`: how other `switchyard` commands reach a running
 * `serve` (its control API URL and session token). Written with mode 0600
 * because the token grants full control; removed on shutdown.
 */
import { rmSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ServeInfo {
  pid: number;
  /** Origin of the control API, e.g. http://127.0.0.1:7878 */
  api: string;
  token: string;
}

const file = (dataDir: string) => join(dataDir, 'serve.json');

/** Written to a temporary file and renamed into place, so a reader never sees a partial file. */
export async function writeServeInfo(dataDir: string, info: ServeInfo): Promise<void> {
  const tmp = `${file(dataDir)}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(info) + '\n', { mode: 0o600 });
    await rename(tmp, file(dataDir));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function removeServeInfo(dataDir: string): Promise<void> {
  await rm(file(dataDir), { force: true });
}

/** For an exit that cannot wait (a second signal). */
export function removeServeInfoSync(dataDir: string): void {
  rmSync(file(dataDir), { force: true });
}

/** The running serve for this data dir, or null (no file, or its process is gone). */
export async function readServeInfo(dataDir: string): Promise<ServeInfo | null> {
  let info: ServeInfo;
  try {
    info = JSON.parse(await readFile(file(dataDir), 'utf8')) as ServeInfo;
  } catch {
    return null;
  }
  try {
    process.kill(info.pid, 0);
  } catch {
    return null;
  }
  return info;
}

/** Calls a control method on a running serve. */
export async function callServe(info: ServeInfo, method: string, args: unknown): Promise<unknown> {
  const res = await fetch(`${info.api}/api/rpc/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  const body = (await res.json()) as { detail?: string };
  if (!res.ok) throw new Error(body.detail ?? `${method} failed with status ${res.status}`);
  return body;
}
