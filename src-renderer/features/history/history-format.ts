/** Pure formatting for the History view's rows and status line. */
import type { HistoryItem, HistoryStats } from '../../store/history/state';
import { formatBytes } from '../../shared/exchange-detail/body';

export function formatTime(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  const time = d.toLocaleTimeString(undefined, { hour12: false });
  return sameDay ? time : `${d.toLocaleDateString()} ${time}`;
}

export function formatDuration(ms: number): string {
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

export const statusClass = (x: Pick<HistoryItem, 'status'>) => (x.status === 0 ? 'status-5xx' : `status-${Math.floor(x.status / 100)}xx`);

/** "12,345 exchanges · 310 MB stored · no drops" (history.stats for the status line). */
export function statsLine(stats: HistoryStats): string {
  const { store, writer } = stats;
  const dropped = writer.droppedRecords + writer.failedRecords;
  const drops =
    dropped === 0 && writer.droppedBodies === 0
      ? 'no drops'
      : [dropped > 0 && `${dropped.toLocaleString()} dropped`, writer.droppedBodies > 0 && `${writer.droppedBodies.toLocaleString()} stored without bodies`]
          .filter(Boolean)
          .join(', ');
  // Under sustained traffic the text index trails the writes (it yields to the gateway); say so.
  const unindexed = store.unindexed > 0 ? ` · newest ${store.unindexed.toLocaleString()} not yet found by free text (indexing)` : '';
  return `${store.rows.toLocaleString()} exchanges stored · ${formatBytes(store.bytes)} (file ${formatBytes(store.fileSize)}) · ${drops}${unindexed}`;
}

/** The query split around the part a query error points at, for highlighting. */
export function errorSpan(query: string, position: number | null, length: number | null): [string, string, string] | null {
  if (position === null || position < 0 || position > query.length) return null;
  const end = Math.min(query.length, position + Math.max(length ?? 1, 1));
  return [query.slice(0, position), query.slice(position, end) || ' ', query.slice(end)];
}
