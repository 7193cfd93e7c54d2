/**
 * The WAL checkpoint thread: its own connection, nothing but
 * `wal_checkpoint(PASSIVE)` when the writer asks (`wal-checkpoints.ts` says
 * why it is a thread of its own, and how the two share their state). Started
 * by the writer thread, through `worker-launch.ts`.
 */
import { workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from './background-priority.js';
import { openHistoryDatabase } from './database.js';
import { type CheckpointWorkerConfig, Slot, State } from './wal-checkpoints.js';

const config = workerData as CheckpointWorkerConfig;
const shared = new Int32Array(config.shared);
lowerThisThreadPriority();

function serve(): void {
  // Opened after the writer thread has migrated the file: nothing is written here but checkpoints.
  const db = openHistoryDatabase(config.file, { busyTimeoutMs: config.busyTimeoutMs, autoCheckpoint: false });
  try {
    for (;;) {
      Atomics.wait(shared, Slot.state, State.idle);
      if (Atomics.load(shared, Slot.state) === State.closing) return;
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      shared[Slot.busy] = r.busy;
      shared[Slot.log] = r.log;
      shared[Slot.checkpointed] = r.checkpointed;
      // Only from `running`: the writer may have asked it to close meanwhile.
      Atomics.compareExchange(shared, Slot.state, State.running, State.idle);
      Atomics.notify(shared, Slot.state); // a writer waiting for this checkpoint

    }
  } finally {
    db.close();
  }
}

try {
  serve();
} catch (err) {
  // A disk that fails, a file that cannot be opened: the writer checkpoints itself from now on.
  Atomics.store(shared, Slot.state, State.failed);
  Atomics.notify(shared, Slot.state);
  // A plain Error keeps its message through structured cloning (a SqliteError does not).
  throw new Error((err as Error).message);
}
