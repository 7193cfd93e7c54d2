/** Control methods over captured exchanges: search, read, delete. */
import { z } from 'zod';
import type { RecentExchanges } from '../capture/recent-exchanges.js';
import { SwitchyardError } from '../errors.js';
import { QuerySyntaxError } from '../history/query-language.js';
import type { History } from '../history/history.js';
import type { HistoryStore } from '../history/history-store.js';
import { method, type ControlDeps } from './control-deps.js';
import { toWire } from './wire.js';

function requireHistory(history: History | null): History {
  if (history === null) throw new SwitchyardError('NOT_FOUND', 'History is switched off in this workspace (history.enabled: false).');
  return history;
}

/** Query errors carry the position of the offending token, for the filter bar. */
function queryError(err: unknown): never {
  if (err instanceof QuerySyntaxError) {
    throw new SwitchyardError('BAD_REQUEST', err.message, { extensions: { position: err.position, length: err.length } });
  }
  throw err;
}

export function getExchange({ recent, history }: ControlDeps, id: string) {
  const found = recent.get(id) ?? history?.store.get(id) ?? null;
  if (found === null) throw new SwitchyardError('NOT_FOUND', `No exchange "${id}" in history.`);
  return found;
}

/**
 * The ids in the recent cache that `query` matches in the store, so a delete
 * by query can drop them from the cache too (else `history.get` would still
 * find them there). Search runs newest first, so it stops at the oldest
 * cached exchange.
 */
function cachedMatches(store: HistoryStore, recent: RecentExchanges, query: string, now: number): string[] {
  let oldest = Number.POSITIVE_INFINITY;
  for (const x of recent.records()) oldest = Math.min(oldest, x.startedAt);
  if (oldest === Number.POSITIVE_INFINITY) return [];
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = store.search({ query, limit: 1000, cursor, now });
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
    ({ history }, args) => {
      try {
        return requireHistory(history).store.search({ query: args.query, limit: args.limit, cursor: args.cursor ?? undefined, withTotal: args.withTotal });
      } catch (err) {
        return queryError(err);
      }
    },
  ),
  'history.count': method(z.strictObject({ query: z.string().default('') }), ({ history }, { query }) => {
    try {
      return { count: requireHistory(history).store.count(query) };
    } catch (err) {
      return queryError(err);
    }
  }),
  'history.get': method(z.strictObject({ id: z.string().min(1) }), (deps, { id }) => toWire(getExchange(deps, id))),
  'history.delete': method(
    z.union([z.strictObject({ ids: z.array(z.string()).min(1) }), z.strictObject({ query: z.string().min(1) })]),
    ({ history, recent }, args) => {
      const store = requireHistory(history).store;
      try {
        if ('ids' in args) {
          recent.delete(args.ids);
          return { deleted: store.delete(args.ids) };
        }
        const now = Date.now();
        const cached = cachedMatches(store, recent, args.query, now);
        const deleted = store.delete({ query: args.query, now });
        recent.delete(cached);
        return { deleted };
      } catch (err) {
        return queryError(err);
      }
    },
  ),
  'history.clear': method(z.strictObject({}), ({ history, recent }) => {
    recent.clear();
    return { deleted: requireHistory(history).store.clear() };
  }),
  'history.stats': method(z.strictObject({}), ({ history }) => requireHistory(history).stats()),
};
