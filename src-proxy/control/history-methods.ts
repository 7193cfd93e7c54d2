/**
 * Control methods over captured exchanges: search, read, delete. Reads go
 * through the history reader's worker thread, so a slow query never blocks
 * the proxy.
 */
import { z } from 'zod';
import type { RecentExchanges } from '../capture/recent-exchanges.js';
import type { CapturedExchange } from '../capture/captured-exchange.js';
import { SwitchyardError } from '../errors.js';
import { InvalidCursorError } from '../history/cursor.js';
import { QuerySyntaxError } from '../history/query-language.js';
import type { History } from '../history/history.js';
import type { HistoryReader } from '../history/history-reader.js';
import { method, type ControlDeps } from './control-deps.js';
import { toWire } from './wire.js';

function requireHistory(history: History | null): History {
  if (history === null) throw new SwitchyardError('NOT_FOUND', 'History is switched off in this workspace (history.enabled: false).');
  return history;
}

/** Runs a read, turning query and cursor errors into 400 problems (query errors with the offending token's position). */
export async function reading<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof QuerySyntaxError) {
      throw new SwitchyardError('BAD_REQUEST', err.message, { extensions: { position: err.position, length: err.length } });
    }
    if (err instanceof InvalidCursorError) throw new SwitchyardError('BAD_REQUEST', 'Invalid pagination cursor.');
    throw err;
  }
}

export async function getExchange({ recent, history }: ControlDeps, id: string): Promise<CapturedExchange> {
  const found = recent.get(id) ?? (history ? await history.reader.get(id) : null);
  if (found === null || found === undefined) throw new SwitchyardError('NOT_FOUND', `No exchange "${id}" in history.`);
  return found;
}

/**
 * The ids in the recent cache that `query` matches in history, so a delete
 * by query can drop them from the cache too (else `history.get` would still
 * find them there). Search runs newest first, so it stops at the oldest
 * cached exchange.
 */
async function cachedMatches(reader: HistoryReader, recent: RecentExchanges, query: string, now: number): Promise<string[]> {
  let oldest = Number.POSITIVE_INFINITY;
  for (const x of recent.records()) oldest = Math.min(oldest, x.startedAt);
  if (oldest === Number.POSITIVE_INFINITY) return [];
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await reader.search({ query, limit: 1000, cursor, now });
    for (const item of page.items) if (recent.get(item.id) !== undefined) ids.push(item.id);
    const last = page.items.at(-1);
    if (last === undefined || last.startedAt < oldest) break;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return ids;
}

export const historyMethods = {
  'history.search': method(
    z.strictObject({
      query: z.string().default(''),
      limit: z.number().int().min(1).max(1000).default(100),
      cursor: z.string().nullable().optional(),
      withTotal: z.boolean().default(false),
    }),
    ({ history }, args) =>
      reading(() =>
        requireHistory(history).reader.search({ query: args.query, limit: args.limit, cursor: args.cursor ?? undefined, withTotal: args.withTotal }),
      ),
  ),
  'history.count': method(z.strictObject({ query: z.string().default('') }), async ({ history }, { query }) => ({
    count: await reading(() => requireHistory(history).reader.count(query)),
  })),
  'history.get': method(z.strictObject({ id: z.string().min(1) }), async (deps, { id }) => toWire(await getExchange(deps, id))),
  'history.delete': method(
    z.union([z.strictObject({ ids: z.array(z.string()).min(1) }), z.strictObject({ query: z.string().min(1) })]),
    ({ history, recent }, args) =>
      reading(async () => {
        const reader = requireHistory(history).reader;
        if ('ids' in args) {
          recent.delete(args.ids);
          return { deleted: await requireHistory(history).delete(args.ids) };
        }
        const now = Date.now();
        // Exchanges still queued must be in the database to be found among the matches (delete writes them too).
        await requireHistory(history).flush().catch(() => undefined);
        const cached = await cachedMatches(reader, recent, args.query, now);
        const deleted = await requireHistory(history).delete({ query: args.query, now });
        recent.delete(cached);
        return { deleted };
      }),
  ),
  'history.clear': method(z.strictObject({}), async ({ history, recent }) => {
    recent.clear();
    return { deleted: await requireHistory(history).clear() };
  }),
  'history.stats': method(z.strictObject({}), async ({ history }) => {
    const h = requireHistory(history);
    return { writer: h.writer.stats(), store: await h.reader.stats() };
  }),
};
