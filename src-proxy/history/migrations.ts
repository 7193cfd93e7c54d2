/**
 * The history schema, versioned through `PRAGMA user_version`. Migrations run
 * in order, all pending ones in one IMMEDIATE transaction, when a connection
 * opens the database. To change the schema, append a migration; never edit one
 * that has shipped.
 *
 * Layout, and why:
 * - `exchanges` holds one row of metadata per exchange, a column for every
 *   filterable field. `seq INTEGER PRIMARY KEY AUTOINCREMENT` is the rowid the
 *   FTS index and the child tables point at: an explicit alias keeps it stable
 *   across a full VACUUM (an implicit rowid is not), keeps child keys small, and
 *   AUTOINCREMENT makes it strictly increasing in commit order (never reused),
 *   which the deferred FTS indexer relies on. `id` is the public, time-ordered
 *   exchange id, unique.
 * - `bodies` and `ws_messages` keep the bytes out of the metadata pages, so
 *   scans over `exchanges` stay cheap.
 * - `exchanges_fts` is a contentless FTS5 table (`contentless_delete=1`, so rows
 *   can be deleted) over url, header text and textual bodies; its rowid is
 *   `exchanges.seq`. It is filled by `fts-indexer.ts` after the batch commits
 *   (tokenising is 3–5× the cost of the insert itself), up to
 *   `history_state.indexed_seq`. Deleting goes through `delete-exchanges.ts`,
 *   which removes the FTS row, the exchange (bodies cascade) and updates
 *   `history_state`.
 * - `req_headers` / `res_headers` hold the header lists in the form of
 *   `header-text.ts` (LF-joined; JSON arrays before schema 5 and for lists that
 *   cannot be joined).
 * - `history_state` keeps the row count, the sum of `bytes` (so retention and
 *   stats need no full scans) and the FTS indexer's progress.
 * - `imported_at` is when an imported exchange entered history (NULL for the
 *   rest, whose `started_at` is that time): age retention counts from it.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'exchanges, bodies, websocket messages, FTS5 index, totals',
    up(db) {
      db.exec(`
        CREATE TABLE exchanges (
          seq          INTEGER PRIMARY KEY AUTOINCREMENT,
          id           TEXT    NOT NULL UNIQUE,
          request_id   TEXT    NOT NULL,
          started_at   INTEGER NOT NULL,
          method       TEXT    NOT NULL,
          scheme       TEXT    NOT NULL,
          http_version TEXT    NOT NULL,
          host         TEXT    NOT NULL,
          path         TEXT    NOT NULL,
          url          TEXT    NOT NULL,
          status       INTEGER NOT NULL,
          route        TEXT,
          upstream     TEXT,
          target       TEXT,
          client       TEXT    NOT NULL,
          client_port  INTEGER NOT NULL,
          listener     TEXT    NOT NULL,
          duration     REAL    NOT NULL,
          req_size     INTEGER NOT NULL,
          res_size     INTEGER NOT NULL,
          cache_status TEXT,
          error_code   TEXT,
          attempts     INTEGER NOT NULL,
          source       TEXT    NOT NULL,
          replay_of    TEXT,
          aborted      INTEGER NOT NULL,
          truncated    INTEGER NOT NULL,
          bodies_dropped INTEGER NOT NULL,
          ws_count     INTEGER,
          req_headers  TEXT    NOT NULL,
          res_headers  TEXT    NOT NULL,
          timings      TEXT    NOT NULL,
          policies     TEXT    NOT NULL,
          error        TEXT,
          bytes        INTEGER NOT NULL
        );
        CREATE INDEX exchanges_time     ON exchanges(started_at, id);
        CREATE INDEX exchanges_status   ON exchanges(status, started_at);
        CREATE INDEX exchanges_host     ON exchanges(host, started_at);
        CREATE INDEX exchanges_path     ON exchanges(path, started_at);
        CREATE INDEX exchanges_route    ON exchanges(route, started_at);
        CREATE INDEX exchanges_upstream ON exchanges(upstream, started_at);
        CREATE INDEX exchanges_target   ON exchanges(target, started_at);
        CREATE INDEX exchanges_client   ON exchanges(client, started_at);
        CREATE INDEX exchanges_request  ON exchanges(request_id);
        CREATE INDEX exchanges_error    ON exchanges(error_code, started_at);
        CREATE INDEX exchanges_replay   ON exchanges(replay_of);

        CREATE TABLE bodies (
          exchange_seq INTEGER NOT NULL REFERENCES exchanges(seq) ON DELETE CASCADE,
          kind         TEXT    NOT NULL CHECK (kind IN ('req', 'res')),
          bytes        BLOB,
          size         INTEGER NOT NULL,
          truncated    INTEGER NOT NULL,
          content_type TEXT,
          PRIMARY KEY (exchange_seq, kind)
        );

        CREATE TABLE ws_messages (
          exchange_seq INTEGER NOT NULL REFERENCES exchanges(seq) ON DELETE CASCADE,
          idx          INTEGER NOT NULL,
          time         INTEGER NOT NULL,
          direction    TEXT    NOT NULL,
          opcode       TEXT    NOT NULL,
          data         BLOB,
          size         INTEGER NOT NULL,
          truncated    INTEGER NOT NULL,
          PRIMARY KEY (exchange_seq, idx)
        );

        CREATE VIRTUAL TABLE exchanges_fts USING fts5(
          url, headers, body,
          content = '', contentless_delete = 1,
          tokenize = 'unicode61 remove_diacritics 2'
        );

        CREATE TABLE history_state (
          id          INTEGER PRIMARY KEY CHECK (id = 1),
          rows        INTEGER NOT NULL,
          bytes       INTEGER NOT NULL,
          indexed_seq INTEGER NOT NULL
        );
        INSERT INTO history_state (id, rows, bytes, indexed_seq) VALUES (1, 0, 0, 0);
      `);
    },
  },
  {
    version: 2,
    description: 'the client TLS connection (version, SNI, ALPN) and the HTTPS-interception flag',
    up(db) {
      // ADD COLUMN with a constant default rewrites no existing row: instant on any size.
      db.exec(`
        ALTER TABLE exchanges ADD COLUMN tls TEXT;
        ALTER TABLE exchanges ADD COLUMN intercepted INTEGER NOT NULL DEFAULT 0;
      `);
    },
  },
  {
    version: 3,
    description: 'permessage-deflate WebSocket messages: decoded (inflated) or kept as sent (compressed)',
    up(db) {
      db.exec('ALTER TABLE ws_messages ADD COLUMN deflate TEXT');
    },
  },
  {
    version: 4,
    description: 'an index on the cache status, of the rows a cache policy decided only',
    up(db) {
      // Without it a rare status (cache:STALE) walked every row, 0.7 s over 1M. Partial: rows
      // no cache policy saw (most traffic) cost nothing to insert; `cache_status = ?` implies
      // IS NOT NULL, so the planner uses it.
      db.exec('CREATE INDEX exchanges_cache ON exchanges(cache_status, started_at) WHERE cache_status IS NOT NULL');
    },
  },
  {
    version: 5,
    description: 'header lists stored as LF-joined text (header-text.ts); earlier rows keep their JSON arrays',
    up() {
      // Nothing to rewrite: readers take both forms. The version is what keeps an older
      // Switchyard, which reads JSON only, from opening a file that has the new form.
    },
  },
  {
    version: 6,
    description: 'the error-code and replay-of indexes hold only the rows that have one',
    up(db) {
      // Most rows have neither, and each full index cost every insert an entry (~6% of the
      // writer's CPU for the two). `error_code = ?`, a GLOB with a literal prefix and `is:error`
      // (IS NOT NULL) all imply NOT NULL, so the planner still uses them; see migrations.test.ts.
      db.exec(`
        DROP INDEX exchanges_error;
        DROP INDEX exchanges_replay;
        CREATE INDEX exchanges_error  ON exchanges(error_code, started_at) WHERE error_code IS NOT NULL;
        CREATE INDEX exchanges_replay ON exchanges(replay_of) WHERE replay_of IS NOT NULL;
      `);
      // DROP INDEX dropped their planner statistics too; the writer re-analyses only as the table doubles.
      const analysed = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").get() !== undefined;
      if (analysed && db.prepare("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'exchanges' LIMIT 1").get() !== undefined) {
        db.exec('ANALYZE exchanges');
      }
    },
  },
  {
    version: 7,
    description: 'the import time of imported exchanges, which age retention counts from',
    up(db) {
      // An imported HAR keeps its original times, often older than maxAge: aged by started_at it
      // was deleted right after import. Partial index: live rows (NULL) add no entry to insert.
      // Rows imported before this version get the upgrade's time (their import time is unknown):
      // one scan, once.
      db.exec(`
        ALTER TABLE exchanges ADD COLUMN imported_at INTEGER;
        CREATE INDEX exchanges_imported ON exchanges(imported_at) WHERE imported_at IS NOT NULL;
      `);
      db.prepare("UPDATE exchanges SET imported_at = ? WHERE source = 'import'").run(Date.now());
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export interface MigrationResult {
  from: number;
  to: number;
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the schema up to date. Safe when several connections open the same
 * file at once: the version is re-read inside the IMMEDIATE transaction, so a
 * loser of the race finds nothing left to do.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
  const before = schemaVersion(db);
  if (before > latest) {
    throw new Error(`history.db has schema version ${before}, newer than this Switchyard understands (${latest}); upgrade Switchyard or use another data directory`);
  }
  if (before === latest) return { from: before, to: before };
  let from = before;
  db.transaction(() => {
    from = schemaVersion(db);
    for (const m of migrations) {
      if (m.version <= from) continue;
      m.up(db);
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
    }
  }).immediate();
  return { from, to: schemaVersion(db) };
}
