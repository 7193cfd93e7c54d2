import { afterEach, describe, expect, it, vi } from 'vitest';
import { Worker } from 'node:worker_threads';

// The one thing that cannot be provoked from outside: a worker that ends before it is ready without
// raising an error. Only the launch is replaced; the writer's handling of it is the real code.
const launched: Worker[] = [];
let workerCode = '';
vi.mock('./worker-launch.js', () => ({
  launchHistoryWorker: () => {
    const w = new Worker(workerCode, { eval: true });
    launched.push(w);
    return w;
  },
}));

const { HistoryWriter } = await import('./history-writer.js');

afterEach(async () => {
  await Promise.all(launched.splice(0).map((w) => w.terminate()));
});

describe('HistoryWriter.start', () => {
  it('rejects when the worker exits before it is ready, with no error of its own', { timeout: 5000 }, async () => {
    workerCode = 'process.exit(3)';
    await expect(HistoryWriter.start({ file: '/nonexistent/history.db' })).rejects.toThrow('history worker exited before opening the database (code 3)');
  });

  it('rejects when a silent worker ends cleanly later', { timeout: 5000 }, async () => {
    workerCode = 'setTimeout(() => {}, 50)';
    await expect(HistoryWriter.start({ file: '/nonexistent/history.db' })).rejects.toThrow('(code 0)');
  });

  it('reports a fatal message from the worker as the reason', { timeout: 5000 }, async () => {
    workerCode = "require('node:worker_threads').parentPort.postMessage({ type: 'fatal', message: 'cannot open /x/history.db' })";
    await expect(HistoryWriter.start({ file: '/nonexistent/history.db' })).rejects.toThrow('cannot open /x/history.db');
  });
});
