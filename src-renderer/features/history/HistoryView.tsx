import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent } from 'react';
import type { ControlClient } from '../../client/contract';
import { downloadText } from '../../shared/download';
import { ExchangeDetail, type CompareCandidate } from '../../shared/exchange-detail/ExchangeDetail';
import { reveal } from '../../shared/text/reveal';
import { useAppStore, useAppStoreApi } from '../../store';
import {
  selectHistoryError,
  selectHistoryHasMore,
  selectHistoryItems,
  selectHistoryNotice,
  selectHistoryOpen,
  selectHistoryQuery,
  selectHistorySelection,
  selectHistoryStats,
  selectHistoryStatus,
  selectHistoryTotal,
} from '../../store/history/selectors';
import { HAR_SEARCH_LIMIT } from '../../store/history/actions';
import { ConfirmDialog } from './ConfirmDialog';
import { errorSpan, statsLine } from './history-format';
import { HistoryList } from './HistoryList';
import '../traffic/traffic.css';
import './history.css';

/** Typing re-runs the search after this pause (Enter runs it at once). */
const SEARCH_DEBOUNCE_MS = 400;
const STATS_EVERY_MS = 5000;

type Pending = { kind: 'delete'; count: number } | { kind: 'clear' } | null;

export function HistoryView({ control }: { control: ControlClient | null }) {
  const api = useAppStoreApi();
  const query = useAppStore(selectHistoryQuery);
  const items = useAppStore(selectHistoryItems);
  const total = useAppStore(selectHistoryTotal);
  const status = useAppStore(selectHistoryStatus);
  const error = useAppStore(selectHistoryError);
  const selectionList = useAppStore(selectHistorySelection);
  const open = useAppStore(selectHistoryOpen);
  const stats = useAppStore(selectHistoryStats);
  const notice = useAppStore(selectHistoryNotice);
  const hasMore = useAppStore(selectHistoryHasMore);
  const [text, setText] = useState(query);
  const [pending, setPending] = useState<Pending>(null);
  const [deleted, setDeleted] = useState(0);
  const fileInput = useRef<HTMLInputElement>(null);
  const filterInput = useRef<HTMLInputElement>(null);
  const main = useRef<HTMLDivElement>(null);
  const selection = useMemo(() => new Set(selectionList), [selectionList]);

  // Every visit starts from the newest page of the current query (the list remounts anyway).
  useEffect(() => {
    const s = api.getState();
    void s.searchHistory(s.historyQuery);
    void s.loadHistoryStats();
    const timer = setInterval(() => void api.getState().loadHistoryStats(), STATS_EVERY_MS);
    return () => clearInterval(timer);
  }, [api]);

  useEffect(() => {
    if (text === api.getState().historyQuery) return;
    const timer = setTimeout(() => void api.getState().searchHistory(text), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, api]);

  const onLoadMore = useCallback(() => void api.getState().loadMoreHistory(), [api]);
  const onOpen = useCallback((id: string | null) => api.getState().openHistoryExchange(id), [api]);
  const onToggle = useCallback((id: string) => api.getState().toggleHistorySelected(id), [api]);
  const onToggleAll = useCallback((on: boolean) => api.getState().setHistorySelection(on ? api.getState().historyItems.map((x) => x.id) : []), [api]);

  const exportHar = async (scope: 'selection' | 'search') => {
    const file = await api.getState().exportHistoryHar(scope);
    if (file) downloadText(file.fileName, file.text, 'application/json');
  };

  const onImport = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (file) await api.getState().importHistoryHar(await file.text());
  };

  const confirm = () => {
    const p = pending;
    setPending(null);
    if (p?.kind === 'delete') void api.getState().deleteHistorySelection().then(() => setDeleted((n) => n + 1));
    else if (p?.kind === 'clear') void api.getState().clearHistory();
  };

  // The dialog gives the focus back to Delete…, which a successful delete disables (nothing is
  // ticked any more): the list takes it, or the query box when the list emptied, never <body>.
  useEffect(() => {
    const at = document.activeElement;
    if (deleted === 0 || (at instanceof HTMLElement && at !== document.body && !at.matches(':disabled'))) return;
    (main.current?.querySelector<HTMLElement>('.traffic-scroll') ?? filterInput.current)?.focus();
  }, [deleted]);

  const candidates = useMemo<CompareCandidate[]>(
    () =>
      open === null
        ? []
        : items.slice(0, 300).map((x) => ({ id: x.id, label: `${x.method} ${x.status || 'ERR'} ${reveal(x.url).slice(0, 60)} · ${new Date(x.startedAt).toLocaleString()}` })),
    [items, open],
  );

  const span = error ? errorSpan(query, error.position, error.length) : null;
  const loading = status === 'loading';
  return (
    <div className="view traffic-view history-view" data-testid="view-history">
      <header className="view-head">
        <h1>History</h1>
        <span className="muted view-sub">Every stored exchange, newest first. The filter is the same query language as the CLI&apos;s `history search`.</span>
      </header>
      <div className="toolbar traffic-toolbar">
        <form
          className="filter-box"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            void api.getState().searchHistory(text);
          }}
        >
          <input
            ref={filterInput}
            type="search"
            className={`mono filter-input${error ? ' invalid' : ''}`}
            aria-label="History query"
            aria-invalid={error !== null}
            placeholder='Query: status:5xx route:users dur>200ms "timeout"'
            value={text}
            spellCheck={false}
            onChange={(e) => setText(e.target.value)}
            data-testid="history-filter"
          />
          {error && (
            <div className="filter-error" role="alert" data-testid="history-filter-error">
              <span>{error.message}</span>
              {span && (
                <div className="mono query-at">
                  {span[0]}
                  <mark>{span[1]}</mark>
                  {span[2]} <span className="muted">(column {error.position! + 1})</span>
                </div>
              )}
            </div>
          )}
        </form>
        <button type="button" onClick={() => void api.getState().refreshHistory()} disabled={loading} data-testid="history-refresh">
          Refresh
        </button>
        <span className="toolbar-spacer" />
        <button type="button" onClick={() => void exportHar('selection')} disabled={selection.size === 0} title="The ticked exchanges as a HAR file" data-testid="history-export-selection">
          Export selected
        </button>
        <button type="button" onClick={() => void exportHar('search')} disabled={items.length === 0} title={`Everything the query finds (up to ${HAR_SEARCH_LIMIT.toLocaleString()}) as a HAR file`} data-testid="history-export-search">
          Export search
        </button>
        <button type="button" onClick={() => fileInput.current?.click()} data-testid="history-import">
          Import HAR…
        </button>
        <input ref={fileInput} type="file" accept=".har,application/json" hidden onChange={(e) => void onImport(e)} data-testid="history-import-file" />
        <button type="button" className="danger" onClick={() => setPending({ kind: 'delete', count: selection.size })} disabled={selection.size === 0} data-testid="history-delete">
          Delete…
        </button>
        <button type="button" className="danger" onClick={() => setPending({ kind: 'clear' })} data-testid="history-clear">
          Clear all…
        </button>
      </div>
      <div className="history-status small" role="status" data-testid="history-status">
        <span data-testid="history-count">
          {loading
            ? 'Searching…'
            : `${items.length.toLocaleString()}${total !== null ? ` of ${total.toLocaleString()}` : ''} loaded${hasMore ? '' : items.length > 0 ? ' (all)' : ''}`}
          {selection.size > 0 && ` · ${selection.size.toLocaleString()} selected`}
        </span>
        {stats && (
          <span className="muted" data-testid="history-stats">
            {statsLine(stats)}
          </span>
        )}
      </div>
      {notice && (
        <div className={`banner ${notice.kind === 'error' ? 'bad' : 'good'}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="history-notice">
          <span>{notice.text}</span>
          <button type="button" className="banner-close" aria-label="Dismiss" onClick={() => api.getState().dismissHistoryNotice()}>
            ×
          </button>
        </div>
      )}
      <div ref={main} className={`traffic-main${open ? ' with-detail' : ''}`}>
        {status === 'ready' && items.length === 0 ? (
          <p className="muted traffic-empty" data-testid="history-empty">
            {query ? 'No stored exchange matches the query.' : 'History is empty: send requests through a listener, or import a HAR file.'}
          </p>
        ) : (
          <HistoryList
            items={items}
            selection={selection}
            open={open}
            hasMore={hasMore}
            loadingMore={status === 'loading-more'}
            onOpen={onOpen}
            onToggle={onToggle}
            onToggleAll={onToggleAll}
            onLoadMore={onLoadMore}
          />
        )}
        {open && (
          <ExchangeDetail
            id={open}
            control={control}
            compareCandidates={candidates}
            onClose={() => onOpen(null)}
            onReplayed={(id) => {
              void api.getState().refreshHistory();
              if (id) onOpen(id);
            }}
          />
        )}
      </div>
      {pending && (
        <ConfirmDialog
          title={pending.kind === 'clear' ? 'Clear all of history?' : `Delete ${pending.count.toLocaleString()} exchange${pending.count === 1 ? '' : 's'}?`}
          confirmLabel={pending.kind === 'clear' ? 'Clear history' : 'Delete'}
          onConfirm={confirm}
          onCancel={() => setPending(null)}
          testId="history-confirm"
        >
          <p>
            {pending.kind === 'clear'
              ? `Every stored exchange${stats ? ` (${stats.store.rows.toLocaleString()})` : ''} is deleted from history.db. This cannot be undone; export a HAR first to keep a copy.`
              : 'The selected exchanges are deleted from history.db. This cannot be undone.'}
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
