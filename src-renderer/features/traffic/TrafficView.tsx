import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, useSyncExternalStore, type KeyboardEvent } from 'react';
import type { ControlClient } from '../../client/contract';
import type { TrafficBuffer, TrafficRow } from '../../live/traffic-buffer';
import { formatBytes } from '../../shared/exchange-detail/body';
import { ExchangeDetail, type CompareCandidate } from '../../shared/exchange-detail/ExchangeDetail';
import { reveal } from '../../shared/text/reveal';
import { parseLiveFilter } from './live-filter';
import './traffic.css';

const ROW_HEIGHT = 24;
// The filter text outlives a visit to another view.
let rememberedFilter = '';
// So does the open exchange (per buffer: a new buffer is a new session).
const rememberedSelection = new WeakMap<TrafficBuffer, string | null>();

const statusClass = (row: TrafficRow) => (row.status === 0 ? (row.error ? 'status-5xx' : 'status-0xx') : `status-${Math.floor(row.status / 100)}xx`);

/**
 * One row, memoised: it re-renders only when the exchange in its slot changed
 * (another row, or `rev`, as the row object is updated in place) or its
 * selection did. It carries no position: the window of rows is moved as a whole.
 */
const Row = memo(function Row({ row, selected, onSelect }: { row: TrafficRow; rev: number; selected: boolean; onSelect: (id: string) => void }) {
  return (
    <div
      role="row"
      aria-selected={selected}
      className={`traffic-row${selected ? ' selected' : ''}${row.error ? ' has-error' : ''}`}
      data-id={row.id}
      onClick={() => onSelect(row.id)}
    >
      <span role="cell" className="c-method">{row.method}</span>
      <span role="cell" className={`c-status ${statusClass(row)}`} title={row.error ? `${row.error.code}: ${row.error.message}` : undefined}>
        {row.status || (row.complete ? (row.error?.code ?? 'ERR') : '…')}
      </span>
      <span role="cell" className="c-host" title={reveal(row.host)}>{reveal(row.host)}</span>
      <span role="cell" className="c-path" title={reveal(row.url)}>{reveal(row.url)}</span>
      <span role="cell" className="c-route">{row.route ?? '-'}</span>
      <span role="cell" className="c-target" title={row.target ?? undefined}>{row.target ?? '-'}</span>
      <span role="cell" className="c-num">{row.duration === null ? '…' : `${row.duration < 10 ? row.duration.toFixed(1) : Math.round(row.duration)} ms`}</span>
      <span role="cell" className="c-num">{row.complete ? formatBytes(row.bytesOut) : '…'}</span>
      <span role="cell" className="c-cache">{row.cache ?? ''}</span>
    </div>
  );
});

export interface TrafficViewProps {
  buffer: TrafficBuffer;
  control: ControlClient | null;
}

export function TrafficView({ buffer, control }: TrafficViewProps) {
  useSyncExternalStore(buffer.subscribe, buffer.getVersion);
  const rows = buffer.rows();
  const state = buffer.state();

  const [filterText, setFilterText] = useState(rememberedFilter);
  const deferredFilter = useDeferredValue(filterText);
  useEffect(() => {
    rememberedFilter = filterText;
  }, [filterText]);
  const filter = useMemo(() => parseLiveFilter(deferredFilter), [deferredFilter]);
  const lastGood = useRef(filter.ok ? filter : null);
  if (filter.ok) lastGood.current = filter;
  const active = filter.ok ? filter : lastGood.current;
  const visible = useMemo(() => (active && !active.empty ? rows.filter(active.test) : rows), [rows, active]);

  const [selected, setSelected] = useState<string | null>(() => rememberedSelection.get(buffer) ?? null);
  useEffect(() => {
    rememberedSelection.set(buffer, selected);
  }, [buffer, selected]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: visible.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
    // Scroll events re-render through React's normal batching instead of a
    // synchronous flushSync inside the scroll handler (about 8x cheaper under load).
    useFlushSync: false,
  });

  // Follow: keep the newest row in view. Keyed on the count, not the array: the
  // list is new every frame, but the end only moves when rows are added (a
  // full window that slides keeps its height, and the view stays at its end).
  const visibleCount = visible.length;
  useEffect(() => {
    if (state.follow && visibleCount > 0) virtualizer.scrollToEnd();
  }, [state.follow, visibleCount, virtualizer]);

  const select = useCallback(
    (id: string) => {
      setSelected(id);
    },
    [],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (visible.length === 0) return;
    const at = selected === null ? -1 : visible.findIndex((r) => r.id === selected);
    let next: number | null = null;
    if (e.key === 'ArrowDown') next = at === -1 ? 0 : Math.min(visible.length - 1, at + 1);
    else if (e.key === 'ArrowUp') next = at === -1 ? visible.length - 1 : Math.max(0, at - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = visible.length - 1;
    else if (e.key === 'Escape') {
      setSelected(null);
      return;
    }
    if (next === null) return;
    e.preventDefault();
    if (state.follow) buffer.setFollow(false);
    setSelected(visible[next].id);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  const items = virtualizer.getVirtualItems();

  const candidates = useMemo<CompareCandidate[]>(() => {
    if (selected === null) return [];
    return visible
      .slice(-300)
      .filter((r) => r.complete)
      .reverse()
      .map((r) => ({ id: r.id, label: `${r.method} ${r.status || r.error?.code || '-'} ${reveal(r.url).slice(0, 60)} · ${new Date(r.time).toLocaleTimeString()}` }));
  }, [visible, selected]);

  return (
    <div className="view traffic-view" data-testid="view-traffic">
      <header className="view-head">
        <h1>Traffic</h1>
        <span className="muted view-sub">Live exchanges, newest {buffer.capacity.toLocaleString()} kept here; everything is in History.</span>
      </header>
      <div className="toolbar traffic-toolbar">
        <div className="filter-box">
          <input
            type="search"
            className={`mono filter-input${filter.ok ? '' : ' invalid'}`}
            aria-label="Filter"
            aria-invalid={!filter.ok}
            placeholder="Filter: status:5xx method:POST host:api.* path:/orders dur>200ms -path:/health"
            value={filterText}
            spellCheck={false}
            onChange={(e) => setFilterText(e.target.value)}
            data-testid="traffic-filter"
          />
          {!filter.ok && (
            <div className="filter-error" role="alert" data-testid="traffic-filter-error">
              {filter.error}
              <span className="mono muted"> — “{deferredFilter.slice(filter.at, filter.at + filter.length)}”</span>
            </div>
          )}
        </div>
        <button type="button" aria-pressed={state.paused} onClick={() => buffer.setPaused(!state.paused)} data-testid="traffic-pause">
          {state.paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={() => (buffer.clear(), setSelected(null))} data-testid="traffic-clear">
          Clear
        </button>
        <label className="follow-toggle small">
          <input type="checkbox" checked={state.follow} onChange={(e) => buffer.setFollow(e.target.checked)} data-testid="traffic-follow" /> Follow
        </label>
        <span className="toolbar-spacer" />
        <span className="toolbar-state muted" data-testid="traffic-count">
          {visible.length === rows.length ? `${rows.length.toLocaleString()} exchanges` : `${visible.length.toLocaleString()} of ${rows.length.toLocaleString()}`}
          {state.paused && ` · paused, ${state.missed.toLocaleString()} new not shown`}
          {state.evicted > 0 && ` · ${state.evicted.toLocaleString()} older moved out (in History)`}
        </span>
      </div>
      <div className={`traffic-main${selected ? ' with-detail' : ''}`}>
        <div className="traffic-table" role="table" aria-label="Live exchanges">
          <div className="traffic-row traffic-header" role="row">
            {['Method', 'Status', 'Host', 'Path', 'Route', 'Target', 'Duration', 'Size', 'Cache'].map((h) => (
              <span role="columnheader" key={h} className={h === 'Duration' || h === 'Size' ? 'c-num' : undefined}>
                {h}
              </span>
            ))}
          </div>
          <div
            ref={scroller}
            className="traffic-scroll"
            tabIndex={0}
            onKeyDown={onKeyDown}
            onWheel={(e) => {
              if (e.deltaY < 0 && state.follow) buffer.setFollow(false);
            }}
            data-testid="traffic-list"
          >
            {rows.length === 0 ? (
              <p className="muted traffic-empty">{state.paused ? 'Paused.' : 'Waiting for traffic… send requests through a listener.'}</p>
            ) : visible.length === 0 ? (
              <p className="muted traffic-empty">No exchange in the window matches the filter.</p>
            ) : null}
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }} role="rowgroup">
              <div className="traffic-window" style={{ transform: `translateY(${items[0]?.start ?? 0}px)` }}>
                {items.map((item) => {
                  const row = visible[item.index];
                  // Keyed by slot, not by exchange: under load every batch slides the whole
                  // window, and refilling the same row elements in place is several times
                  // cheaper than React removing and creating them (L consecutive indices
                  // modulo L are distinct, so keys never collide).
                  return <Row key={item.index % items.length} row={row} rev={row.rev} selected={row.id === selected} onSelect={select} />;
                })}
              </div>
            </div>
          </div>
        </div>
        {selected && (
          <ExchangeDetail
            id={selected}
            control={control}
            compareCandidates={candidates}
            onClose={() => setSelected(null)}
            onReplayed={() => buffer.setFollow(true)}
          />
        )}
      </div>
    </div>
  );
}
