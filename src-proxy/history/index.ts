/** History store: capture records in SQLite, searchable with one query language. */
export { History, type HistoryOptions } from './history.js';
export { HistoryStore, InvalidCursorError, type HistoryStoreOptions, type SearchOptions, type DeleteTarget, type HistoryQuery } from './history-store.js';
export { HistoryWriter, type HistoryWriterOptions } from './history-writer.js';
export { parseQuery, QuerySyntaxError, type QueryAst, type QueryTerm, type QueryTermBody } from './query-language.js';
export { compileQuery, compileParts, type CompiledQuery, type QueryParts } from './search-sql.js';
export { applyRetention, type RetentionOptions, type RetentionResult } from './retention.js';
export { openHistoryDatabase, historyPath, HISTORY_FILE } from './database.js';
export { migrate, MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';
export type { ExchangeSummary, HistoryStoreStats, RetentionLimits, SearchPage, StoredExchange, WriterStats } from './types.js';
