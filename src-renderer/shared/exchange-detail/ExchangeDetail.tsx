/**
 * The exchange detail pane, shared by the Traffic and History views: loads
 * `history.get {id}` and shows request / response (headers and bodies),
 * timing, WebSocket messages, policy decisions and the error; actions replay,
 * edit & resend, copy as curl and compare with another exchange.
 */
import { useEffect, useState } from 'react';
import type { ArgsOf, ControlClient, ResultOf } from '../../client/contract';
import { asText, decodeBase64, formatBytes, headerRows, waterfall } from './body';
import { BodyViewer } from './BodyViewer';
import { EditForm } from './EditForm';
import { describeDiff, type DiffLine } from './diff-lines';
import { requestTarget } from './request-target';
import { hasHidden, reveal } from '../text/reveal';
import './exchange-detail.css';

export type WireExchange = ResultOf<'history.get'>;
export type ReplayEdit = NonNullable<ArgsOf<'replay.send'>['edit']>;
type Tab = 'request' | 'response' | 'timing' | 'websocket';

export interface CompareCandidate {
  id: string;
  label: string;
}

export interface ExchangeDetailProps {
  id: string;
  control: ControlClient | null;
  /** Other exchanges to offer under "Compare with…". */
  compareCandidates?: readonly CompareCandidate[];
  onClose?: () => void;
  /** Called with the new exchange id after a replay. */
  onReplayed?: (id: string | null) => void;
  /** Retries of `history.get` while the exchange is not in history yet (NOT_FOUND); default 5, every 400 ms. */
  retries?: number;
  retryMs?: number;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function HeadersTable({ raw, testId }: { raw: readonly string[]; testId: string }) {
  const rows = headerRows(raw);
  if (rows.length === 0) return <p className="muted small">No headers.</p>;
  return (
    <table className="headers-table" data-testid={testId}>
      <tbody>
        {rows.map(([name, value], i) => (
          <tr key={i}>
            <th scope="row">{reveal(name)}</th>
            <td>{reveal(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Timing({ x }: { x: WireExchange }) {
  const bars = waterfall(x.timings);
  return (
    <div className="waterfall" data-testid="detail-timing">
      {bars.map((b) => (
        <div className="waterfall-row" key={b.name}>
          <span className="waterfall-name">{b.name}</span>
          <span className="waterfall-track">
            <span className={`waterfall-bar wf-${b.name}`} style={{ left: `${b.start}%`, width: `${Math.max(b.width, 0.5)}%` }} />
          </span>
          <span className="waterfall-ms mono">{b.ms.toFixed(1)} ms</span>
        </div>
      ))}
      <div className="waterfall-row waterfall-total">
        <span className="waterfall-name">total</span>
        <span />
        <span className="waterfall-ms mono">{x.timings.total.toFixed(1)} ms</span>
      </div>
    </div>
  );
}

function WebSocketMessages({ x }: { x: WireExchange }) {
  return (
    <table className="headers-table ws-table" data-testid="detail-websocket">
      <tbody>
        {(x.websocket ?? []).slice(0, 2000).map((m, i) => {
          const bytes = decodeBase64(m.base64);
          const text = m.opcode === 'text' ? asText(bytes) : null;
          return (
            <tr key={i}>
              <th scope="row">{m.direction === 'client' ? '→' : '←'}</th>
              <td className="mono small">
                {new Date(m.time).toLocaleTimeString(undefined, { hour12: false, fractionalSecondDigits: 3 })} {m.opcode} {formatBytes(m.size)}
                {m.truncated ? ' (truncated)' : ''}
                {m.compressed ? ' (compressed, not decoded)' : ''}
                {m.inflated ? ' (deflate, shown decoded)' : ''}
              </td>
              <td className="mono small">{text ?? (bytes.length ? `${bytes.length} bytes` : '')}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function DiffList({ lines }: { lines: DiffLine[] }) {
  let last = '';
  return (
    <ul className="diff-list" data-testid="diff-list">
      {lines.map((l, i) => {
        const head = l.section !== last ? l.section : null;
        last = l.section;
        return (
          <li key={i} className={`diff-${l.kind}`}>
            {head && <strong className="diff-section">{head}</strong>}
            <span className="mono small">{reveal(l.text)}</span>
          </li>
        );
      })}
    </ul>
  );
}

export function ExchangeDetail({ id, control, compareCandidates = [], onClose, onReplayed, retries = 5, retryMs = 400 }: ExchangeDetailProps) {
  const [loaded, setLoaded] = useState<{ id: string; x: WireExchange | null; error: string | null } | null>(null);
  const [tab, setTab] = useState<Tab>('response');
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [compareWith, setCompareWith] = useState('');
  const [diff, setDiff] = useState<{ other: string; lines: DiffLine[] } | null>(null);

  useEffect(() => {
    if (!control) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A live exchange reaches history a moment after it completes: retry a few times before giving up.
    const load = (attempt: number) => {
      control.call('history.get', { id }).then(
        (x) => live && setLoaded({ id, x, error: null }),
        (err: unknown) => {
          if (!live) return;
          if (attempt < retries && (err as { code?: string } | null)?.code === 'NOT_FOUND') timer = setTimeout(() => load(attempt + 1), retryMs);
          else setLoaded({ id, x: null, error: errorText(err) });
        },
      );
    };
    load(0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [control, id, retries, retryMs]);

  // Reset per-exchange UI when the selection changes (state adjusted during render, not in an effect).
  const [shownId, setShownId] = useState(id);
  if (shownId !== id) {
    setShownId(id);
    setEditing(false);
    setMessage(null);
    setDiff(null);
    setCompareWith('');
  }

  if (!control) {
    return (
      <aside className="exchange-detail" data-testid="exchange-detail">
        <p className="muted detail-body">
          Exchange details need the engine's control client, and none was provided to this view (see shared/exchange-detail/control-context.tsx).
        </p>
      </aside>
    );
  }
  const current = loaded?.id === id ? loaded : null;
  const x = current?.x ?? null;

  const run = async (what: string, fn: () => Promise<string | void>) => {
    setBusy(true);
    setMessage(null);
    try {
      const text = await fn();
      setMessage({ kind: 'ok', text: text ?? `${what}: done` });
    } catch (err) {
      setMessage({ kind: 'error', text: `${what} failed: ${errorText(err)}` });
    } finally {
      setBusy(false);
    }
  };

  const replay = (edit?: ReplayEdit) =>
    run(edit ? 'Resend' : 'Replay', async () => {
      const r = await control.call('replay.send', edit ? { id, edit } : { id });
      setEditing(false);
      onReplayed?.(r.id);
      return `${edit ? 'Resent' : 'Replayed'}: ${r.status} ${r.statusText}${r.id ? ` (new exchange ${r.id})` : ''}`;
    });

  const copyCurl = () =>
    run('Copy as curl', async () => {
      const { command } = await control.call('exchange.curl', { id });
      if (!navigator.clipboard) throw new Error('clipboard not available');
      await navigator.clipboard.writeText(command);
      return 'curl command copied to the clipboard';
    });

  const compare = (other: string) =>
    run('Compare', async () => {
      const d = await control.call('diff.exchanges', { a: id, b: other });
      setDiff({ other, lines: describeDiff(d) });
      return d.same ? 'The two exchanges are the same (ignoring timings and ids).' : `Compared with ${other}`;
    });

  const tabs: Tab[] = ['request', 'response', 'timing', ...(x?.websocket?.length ? (['websocket'] as const) : [])];
  const activeTab = tabs.includes(tab) ? tab : 'response';
  const candidates = compareCandidates.filter((c) => c.id !== id);

  return (
    <aside className="exchange-detail" data-testid="exchange-detail" aria-label="Exchange detail">
      <header className="detail-head">
        {x ? (
          <div className="detail-title">
            <span className={`status-badge status-${Math.floor(x.status / 100)}xx`}>{x.status || '—'}</span>
            <strong className="mono">{x.method}</strong>
            <span className="mono detail-url" title={reveal(x.url)}>
              {reveal(requestTarget(x.host, x.url))}
            </span>
            {hasHidden(x.host + x.url) && (
              <span className="hidden-chars-warning" role="note" data-testid="hidden-chars-warning">
                holds invisible or bidi characters, shown as &lt;U+…&gt;
              </span>
            )}
          </div>
        ) : (
          <div className="detail-title mono">{id}</div>
        )}
        {onClose && (
          <button type="button" aria-label="Close detail" onClick={onClose}>
            ×
          </button>
        )}
      </header>
      {!current && <p className="muted detail-body">Loading…</p>}
      {current?.error && (
        <div className="detail-error detail-body" role="alert">
          {current.error}
          <div className="small muted">Exchanges appear in history shortly after they complete; try again in a moment.</div>
        </div>
      )}
      {x && (
        <>
          <div className="detail-actions">
            <button type="button" disabled={busy} onClick={() => void replay()}>
              Replay
            </button>
            <button type="button" disabled={busy} aria-pressed={editing} onClick={() => setEditing(!editing)}>
              Edit &amp; resend
            </button>
            <button type="button" disabled={busy} onClick={() => void copyCurl()}>
              Copy as curl
            </button>
            <span className="compare-pick">
              <select aria-label="Compare with" value={compareWith} onChange={(e) => setCompareWith(e.target.value)}>
                <option value="">Compare with…</option>
                {candidates.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.label}
                  </option>
                ))}
              </select>
              <button type="button" disabled={busy || !compareWith} onClick={() => void compare(compareWith)}>
                Compare
              </button>
            </span>
          </div>
          {message && (
            <div className={message.kind === 'error' ? 'detail-error' : 'detail-ok'} role="status">
              {message.text}
            </div>
          )}
          {editing && <EditForm x={x} busy={busy} onSend={(edit) => void replay(edit)} onCancel={() => setEditing(false)} />}
          {diff && (
            <section className="detail-section">
              <h3>
                Compared with <span className="mono">{diff.other}</span>{' '}
                <button type="button" onClick={() => setDiff(null)}>
                  Hide
                </button>
              </h3>
              <DiffList lines={diff.lines} />
            </section>
          )}
          <div className="detail-meta small">
            <span>route {x.route ?? '—'}</span>
            <span>target {x.target ?? '—'}</span>
            <span>{x.duration.toFixed(1)} ms</span>
            <span>{x.attempts} attempt(s)</span>
            <span>{new Date(x.startedAt).toLocaleTimeString()}</span>
            {x.replayOf && <span>replay of {x.replayOf}</span>}
            {x.tls && (
              <span data-testid="detail-tls">
                {[x.tls.version, x.tls.alpn, x.tls.sni && `SNI ${reveal(x.tls.sni)}`].filter(Boolean).join(' · ')}
              </span>
            )}
            {x.intercepted && <span>intercepted (decrypted by the forward proxy)</span>}
          </div>
          {x.error && (
            <div className="detail-error" role="alert" data-testid="detail-exchange-error">
              <code>{x.error.code}</code> {x.error.message}
            </div>
          )}
          {x.aborted && <div className="detail-error">The client went away before the response finished.</div>}
          <div className="detail-tabs" role="tablist">
            {tabs.map((t) => (
              <button key={t} type="button" role="tab" aria-selected={activeTab === t} className={activeTab === t ? 'active' : ''} onClick={() => setTab(t)}>
                {t[0].toUpperCase() + t.slice(1)}
              </button>
            ))}
          </div>
          <div className="detail-body" role="tabpanel">
            {activeTab === 'request' && (
              <>
                <h3>Request headers</h3>
                <HeadersTable raw={x.requestHeaders} testId="request-headers" />
                <h3>Request body</h3>
                <BodyViewer key={x.id} body={x.requestBody} testId="request-body" />
              </>
            )}
            {activeTab === 'response' && (
              <>
                <h3>Response headers</h3>
                <HeadersTable raw={x.responseHeaders} testId="response-headers" />
                <h3>Response body</h3>
                <BodyViewer key={x.id} body={x.responseBody} testId="response-body" />
              </>
            )}
            {activeTab === 'timing' && (
              <>
                <h3>Timing</h3>
                <Timing x={x} />
                <h3>Policy decisions</h3>
                {x.policies.length === 0 ? (
                  <p className="muted small">No policy decisions recorded.</p>
                ) : (
                  <table className="headers-table" data-testid="detail-policies">
                    <tbody>
                      {x.policies.map((p, i) => (
                        <tr key={i}>
                          <th scope="row">{p.policy}</th>
                          <td>
                            <strong>{p.outcome}</strong> {p.detail && <span className="muted">{p.detail}</span>}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </>
            )}
            {activeTab === 'websocket' && <WebSocketMessages x={x} />}
          </div>
        </>
      )}
    </aside>
  );
}
