/**
 * Fills the FTS index from committed rows, in seq order, behind the batch
 * writer. Tokenising text is several times the cost of inserting the row, so
 * it is kept out of the batch transaction: writes stay fast under bursts and
 * the index catches up right after (the writer worker runs chunks between
 * batches). Free-text search sees rows up to `history_state.indexed_seq`.
 */
import type { HistoryDatabase } from './database.js';
import { readableBody } from '../capture/content-coding.js';
import { bodyText, headerText, urlText } from './fts-text.js';
import { decodeHeaders } from './header-text.js';

export interface FtsIndexer {
  /** Indexes up to `maxRows` rows in one transaction; returns how many. */
  indexNext(maxRows: number): number;
  /** Rows committed but not yet searchable by free text. */
  lag(): number;
}

interface Row {
  seq: number;
  scheme: string;
  host: string;
  url: string;
  req_headers: string;
  res_headers: string;
  error: string | null;
  ws_count: number | null;
}

/** Cheap SQL pre-filter so binary bodies are never read back; `bodyText` (isTextualContentType) decides. */
const TEXTUAL_SQL = `(content_type LIKE 'text/%' OR content_type LIKE '%json%' OR content_type LIKE '%xml%'
  OR content_type LIKE '%javascript%' OR content_type LIKE '%ecmascript%' OR content_type LIKE '%x-www-form-urlencoded%'
  OR content_type LIKE '%graphql%' OR content_type LIKE '%yaml%')`;

interface BodyRow {
  seq: number;
  kind: 'req' | 'res';
  bytes: Buffer;
  size: number;
  truncated: number;
  content_type: string;
}

/** Of a content-encoded body, the index takes this much decoded text (the capture cap bounds only the wire bytes). */
const MAX_DECODED_INDEXED = 1024 * 1024;

/**
 * The bytes whose text is indexed: decoded when the body has a
 * Content-Encoding (so its words are found), else as stored; null when it
 * does not decode (compressed bytes are not text).
 */
function indexedBytes(b: BodyRow, headers: readonly string[]): Uint8Array | null {
  const r = readableBody({ bytes: b.bytes, size: b.size, truncated: b.truncated === 1, contentType: b.content_type }, headers);
  if (r.error !== null) return null;
  return r.codings.length === 0 ? b.bytes : r.body.bytes!.subarray(0, MAX_DECODED_INDEXED);
}

export function createFtsIndexer(db: HistoryDatabase): FtsIndexer {
  const indexedSeq = db.prepare('SELECT indexed_seq FROM history_state WHERE id = 1').pluck();
  const nextRows = db.prepare(
    'SELECT seq, scheme, host, url, req_headers, res_headers, error, ws_count FROM exchanges WHERE seq > ? ORDER BY seq LIMIT ?',
  );
  const bodies = db.prepare(
    `SELECT exchange_seq AS seq, kind, bytes, size, truncated, content_type FROM bodies
     WHERE exchange_seq BETWEEN ? AND ? AND bytes IS NOT NULL AND ${TEXTUAL_SQL} ORDER BY exchange_seq, kind`,
  );
  const wsMessages = db.prepare(
    `SELECT exchange_seq AS seq, data FROM ws_messages
     WHERE exchange_seq BETWEEN ? AND ? AND opcode = 'text' AND data IS NOT NULL ORDER BY exchange_seq, idx`,
  );
  const insert = db.prepare('INSERT INTO exchanges_fts (rowid, url, headers, body) VALUES (?, ?, ?, ?)');
  const advance = db.prepare('UPDATE history_state SET indexed_seq = ? WHERE id = 1');
  const lagCount = db.prepare('SELECT count(*) FROM exchanges WHERE seq > ?').pluck();

  const indexChunk = db.transaction((maxRows: number): number => {
    const from = indexedSeq.get() as number;
    const rows = nextRows.all(from, maxRows) as Row[];
    if (rows.length === 0) return 0;
    const first = rows[0].seq;
    const last = rows[rows.length - 1].seq;
    const headersOf = new Map<number, { req: string[]; res: string[] }>();
    for (const r of rows) headersOf.set(r.seq, { req: decodeHeaders(r.req_headers), res: decodeHeaders(r.res_headers) });
    const text = new Map<number, string>();
    for (const b of bodies.all(first, last) as BodyRow[]) {
      const t = bodyText(indexedBytes(b, headersOf.get(b.seq)![b.kind]), b.content_type);
      if (t !== '') text.set(b.seq, text.has(b.seq) ? `${text.get(b.seq)}\n${t}` : t);
    }
    if (rows.some((r) => r.ws_count !== null && r.ws_count > 0)) {
      for (const m of wsMessages.all(first, last) as { seq: number; data: Buffer }[]) {
        const t = m.data.toString('utf8');
        text.set(m.seq, text.has(m.seq) ? `${text.get(m.seq)}\n${t}` : t);
      }
    }
    for (const r of rows) {
      const { req, res } = headersOf.get(r.seq)!;
      const headers = headerText(req) + headerText(res);
      let body = text.get(r.seq) ?? '';
      if (r.error !== null) {
        const e = JSON.parse(r.error) as { code: string; message: string };
        body += `\n${e.code} ${e.message}`;
      }
      insert.run(r.seq, urlText(r.scheme, r.host, r.url), headers, body);
    }
    advance.run(last);
    return rows.length;
  });

  return {
    indexNext: (maxRows) => indexChunk.immediate(Math.max(1, maxRows)),
    lag: () => lagCount.get(indexedSeq.get()) as number,
  };
}
