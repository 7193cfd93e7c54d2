import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef, type KeyboardEvent } from 'react';
import { formatBytes } from '../../shared/exchange-detail/body';
import { reveal } from '../../shared/text/reveal';
import type { HistoryItem } from '../../store/history/state';
import { formatDuration, formatTime, statusClass } from './history-format';

const ROW_HEIGHT = 26;
/** Start loading the next page when the last rendered row is this close to the end. */
export const LOAD_AHEAD = 40;

const Row = memo(function Row({
  item,
  top,
  open,
  checked,
  onOpen,
  onToggle,
}: {
  item: HistoryItem;
  top: number;
  open: boolean;
  checked: boolean;
  onOpen: (id: string) => void;
  onToggle: (id: string) => void;
}) {
  return (
    <div
      role="row"
      aria-selected={open}
      className={`traffic-row history-row${open ? ' selected' : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      data-id={item.id}
      onClick={() => onOpen(item.id)}
    >
      <span role="cell" className="c-check">
        <input type="checkbox" aria-label={`Select ${item.method} ${reveal(item.url)}`} checked={checked} onChange={() => onToggle(item.id)} onClick={(e) => e.stopPropagation()} />
      </span>
      <span role="cell" className="c-time">{formatTime(item.startedAt)}</span>
      <span role="cell" className="c-method">{item.method}</span>
      <span role="cell" className={`c-status ${statusClass(item)}`}>{item.status || 'ERR'}</span>
      <span role="cell" className="c-host" title={reveal(item.host)}>{reveal(item.host)}</span>
      <span role="cell" className="c-path" title={reveal(item.url)}>{reveal(item.url)}</span>
      <span role="cell" className="c-route">{item.route ?? '-'}</span>
      <span role="cell" className="c-target" title={item.target ?? undefined}>{item.target ?? '-'}</span>
      <span role="cell" className="c-num">{formatDuration(item.duration)}</span>
      <span role="cell" className="c-num">{formatBytes(item.resSize)}</span>
      <span role="cell" className="c-cache">{item.cacheStatus ?? ''}</span>
    </div>
  );
});

export interface HistoryListProps {
  items: readonly HistoryItem[];
  selection: ReadonlySet<string>;
  open: string | null;
  hasMore: boolean;
  loadingMore: boolean;
  onOpen: (id: string | null) => void;
  onToggle: (id: string) => void;
  onToggleAll: (on: boolean) => void;
  onLoadMore: () => void;
}

/** The stored exchanges, virtualised; the next page loads as the end comes into view. */
export function HistoryList({ items, selection, open, hasMore, loadingMore, onOpen, onToggle, onToggleAll, onLoadMore }: HistoryListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const lastIndex = virtualItems.at(-1)?.index ?? -1;

  useEffect(() => {
    if (hasMore && !loadingMore && items.length > 0 && lastIndex >= items.length - 1 - LOAD_AHEAD) onLoadMore();
  }, [hasMore, loadingMore, items.length, lastIndex, onLoadMore]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (items.length === 0) return;
    const at = open === null ? -1 : items.findIndex((x) => x.id === open);
    let next: number | null = null;
    if (e.key === 'ArrowDown') next = Math.min(items.length - 1, at + 1);
    else if (e.key === 'ArrowUp') next = at <= 0 ? 0 : at - 1;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = items.length - 1;
    else if (e.key === ' ' && open !== null) {
      e.preventDefault();
      onToggle(open);
      return;
    } else if (e.key === 'Escape') {
      onOpen(null);
      return;
    }
    if (next === null) return;
    e.preventDefault();
    onOpen(items[next].id);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  const allChecked = items.length > 0 && items.every((x) => selection.has(x.id));
  return (
    <div className="traffic-table" role="table" aria-label="Stored exchanges">
      <div className="traffic-row history-row traffic-header" role="row">
        <span role="columnheader" className="c-check">
          <input type="checkbox" aria-label="Select all loaded" checked={allChecked} onChange={(e) => onToggleAll(e.target.checked)} data-testid="history-select-all" />
        </span>
        {['Time', 'Method', 'Status', 'Host', 'Path', 'Route', 'Target', 'Duration', 'Size', 'Cache'].map((h) => (
          <span role="columnheader" key={h} className={h === 'Duration' || h === 'Size' ? 'c-num' : undefined}>
            {h}
          </span>
        ))}
      </div>
      <div ref={scroller} className="traffic-scroll" tabIndex={0} onKeyDown={onKeyDown} data-testid="history-list">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }} role="rowgroup">
          {virtualItems.map((v) => {
            const item = items[v.index];
            return <Row key={item.id} item={item} top={v.start} open={item.id === open} checked={selection.has(item.id)} onOpen={onOpen} onToggle={onToggle} />;
          })}
        </div>
        {loadingMore && <p className="muted small history-more">Loading older exchanges…</p>}
      </div>
    </div>
  );
}
