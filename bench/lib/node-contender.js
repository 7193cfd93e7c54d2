// Start a Node contender (bench/contenders/*.js) as a child process on a
// port chosen here, and wait until it accepts connections.
import path from 'node:path';
import { startProcess } from './processes.js';
import { freePort, waitForPort } from './ports.js';

export async function startNodeContender({ file, args = [], name, logDir, timeoutMs = 10000 }) {
  const port = await freePort();
  const proc = startProcess(process.execPath, [file, ...args], {
    name,
    env: { ...process.env, BENCH_PORT: String(port) },
    logFile: path.join(logDir, `${name}.log`),
    stdinPipe: true,
  });
  try {
    await waitForPort(port, { timeoutMs, alive: () => proc.alive() });
  } catch (err) {
    await proc.stop();
    const log = proc.logTail().trim();
    throw new Error(`${err.message}${log ? `\n${log}` : ''}`);
  }
  return { proc, port, url: `http://127.0.0.1:${port}/` };
}
