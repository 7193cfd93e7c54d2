/** Inserting records synchronously on the test's own connection (no worker), for store and retention tests. */
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { packBatch } from '../../src-proxy/history/batch-codec.js';
import type { HistoryDatabase } from '../../src-proxy/history/database.js';
import { createFtsIndexer } from '../../src-proxy/history/fts-indexer.js';
import { createBatchInserter } from '../../src-proxy/history/insert-exchanges.js';

/** `now`: the clock that stamps imported records with their import time. */
export function directInserter(db: HistoryDatabase, options: { index?: boolean; now?: () => number } = {}): (records: CapturedExchange[]) => void {
  const insert = createBatchInserter(db, options.now);
  const indexer = createFtsIndexer(db);
  let batchId = 0;
  return (records) => {
    for (let i = 0; i < records.length; i += 500) {
      insert(packBatch(++batchId, records.slice(i, i + 500).map((record) => ({ record, dropBodies: false, bytes: 0 }))));
    }
    if (options.index !== false) while (indexer.indexNext(1000) > 0);
  };
}

/** FTS5's own consistency check of the index (throws SQLITE_CORRUPT_VTAB on failure). */
export function ftsIntegrityCheck(db: HistoryDatabase): void {
  db.exec("INSERT INTO exchanges_fts (exchanges_fts) VALUES ('integrity-check')");
}
