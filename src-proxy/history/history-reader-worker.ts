/**
 * The read side of history in its own thread: searches over a large table
 * (a search for a prefix that hundreds of words share takes about half a
 * second on a million rows) must never stall the proxy's thread. Runs
 * HistoryStore calls sent by HistoryReader.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HistoryStore } from './history-store.js';
import type { ReaderRequest, ReaderResponse } from './history-reader.js';

const port = parentPort!;
const { file } = workerData as { file: string };
const store = openStore();

function openStore(): HistoryStore {
  try {
    return HistoryStore.open(file, { autoCheckpoint: false });
  } catch (err) {
    // A plain Error keeps its message through structured cloning (a SqliteError does not).
    throw new Error((err as Error).message);
  }
}

port.on('message', (m: ReaderRequest) => {
  let response: ReaderResponse;
  try {
    if (m.method === 'close') {
      store.close();
      port.postMessage({ id: m.id, ok: true, value: null } satisfies ReaderResponse);
      port.close();
      return;
    }
    const fn = store[m.method] as (...args: unknown[]) => unknown;
    response = { id: m.id, ok: true, value: fn.apply(store, m.args) };
  } catch (err) {
    const e = err as Error & { position?: number; length?: number };
    response = { id: m.id, ok: false, error: { name: e.name, message: e.message, position: e.position, length: e.length } };
  }
  port.postMessage(response);
});
