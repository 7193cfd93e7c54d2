import { useEffect, useMemo, useState } from 'react';
import type { ListenerInfo } from '../../client/contract';
import { WorkspaceActions } from '../../shared/workspace/WorkspaceActions';
import { WorkspaceBanners } from '../../shared/workspace/WorkspaceBanners';
import { useAppStore, useAppStoreApi } from '../../store';
import { selectListenerList, selectListenersError, selectListenersStatus } from '../../store/listeners/selectors';
import { selectCaInfo, selectCaStatus } from '../../store/settings/selectors';
import { selectDraft, selectRunningGeneration } from '../../store/workspace/selectors';
import {
  clientProxyUrl,
  forwardProxySnippets,
  readDraftListeners,
  setListenerMode,
  tlsState,
  YamlEditError,
  type DraftListener,
  type ListenerMode,
  type ListenerReport,
} from './listener-model';
import '../upstreams/upstreams.css';
import './listeners.css';


function CopyButton({ text }: { text: string }) {
  const [done, setDone] = useState(false);
  const copy = () => {
    void navigator.clipboard
      ?.writeText(text)
      .then(() => {
        setDone(true);
        setTimeout(() => setDone(false), 1200);
      })
      .catch(() => undefined);
  };
  return (
    <button type="button" className="linkish" onClick={copy} title="Copy to the clipboard">
      {done ? 'copied' : 'copy'}
    </button>
  );
}

function ForwardHowTo({ info }: { info: ListenerInfo }) {
  const url = clientProxyUrl(info);
  const ca = useAppStore(selectCaInfo);
  const caStatus = useAppStore(selectCaStatus);
  return (
    <div className="howto" data-testid={`howto-${info.name}`}>
      <h3>Point a client at {url}</h3>
      <ul>
        {forwardProxySnippets(url, ca?.path ?? null).map((s) => (
          <li key={s.label}>
            <span className="muted small">{s.label}</span>
            <code className="mono">{s.command}</code>
            <CopyButton text={s.command} />
          </li>
        ))}
      </ul>
      <p className="muted small" data-testid={`howto-ca-${info.name}`}>
        HTTPS through the proxy is tunnelled (CONNECT) unless the host is listed in <code className="mono">intercept</code>; intercepted hosts are
        decrypted with certificates from Switchyard&apos;s local CA, which clients must trust.{' '}
        {ca ? (
          <>
            The CA certificate is <code className="mono">{ca.path}</code>
            {ca.exists ? '' : ' (created when first needed)'}; Settings shows how to install it.
          </>
        ) : caStatus === 'unavailable' ? (
          'This engine has no local CA, so nothing is intercepted.'
        ) : (
          'Where the CA certificate is shows here once the host reports it (Settings).'
        )}
      </p>
    </div>
  );
}

function ModeSwitch({ name, draft, onSwitch }: { name: string; draft: DraftListener | undefined; onSwitch: (name: string, mode: ListenerMode) => void }) {
  if (!draft) return <span className="muted small">not in the draft</span>;
  return (
    <div className="mode-switch" role="group" aria-label={`Mode of ${name}`}>
      {(['reverse', 'forward'] as const).map((m) => (
        <button
          key={m}
          type="button"
          className={draft.mode === m ? 'on' : ''}
          aria-pressed={draft.mode === m}
          onClick={() => onSwitch(name, m)}
          data-testid={`mode-${name}-${m}`}
        >
          {m}
        </button>
      ))}
    </div>
  );
}

export function ListenersView() {
  const api = useAppStoreApi();
  const list = useAppStore(selectListenerList);
  const status = useAppStore(selectListenersStatus);
  const error = useAppStore(selectListenersError);
  const generation = useAppStore(selectRunningGeneration);
  const draft = useAppStore(selectDraft);
  const refresh = useAppStore((s) => s.refreshListeners);
  const loadCaInfo = useAppStore((s) => s.loadCaInfo);
  const [editError, setEditError] = useState<string | null>(null);
  const [switched, setSwitched] = useState<string | null>(null);

  // The list follows the running config: fetch on open and after every apply.
  useEffect(() => {
    void refresh();
  }, [refresh, generation]);
  const hasForward = list.some((l) => l.mode === 'forward');
  useEffect(() => {
    if (hasForward) void loadCaInfo();
  }, [loadCaInfo, hasForward]);

  const draftListeners = useMemo(() => readDraftListeners(draft), [draft]);
  const byName = useMemo(() => new Map((draftListeners ?? []).map((l) => [l.name, l])), [draftListeners]);
  const pendingModes = list.filter((l) => byName.get(l.name) && byName.get(l.name)!.mode !== l.mode);

  const onSwitch = (name: string, mode: ListenerMode) => {
    setEditError(null);
    try {
      const text = setListenerMode(api.getState().draft, name, mode);
      api.getState().setDraft(text, 'designer');
      setSwitched(name);
    } catch (err) {
      setEditError(err instanceof YamlEditError ? err.message : String(err));
    }
  };

  return (
    <div className="view listeners-view" data-testid="view-listeners">
      <header className="view-head">
        <h1>Listeners</h1>
        <span className="muted view-sub">The running listeners. Switching a mode edits the YAML draft; Apply makes it run.</span>
      </header>
      <WorkspaceActions />
      <WorkspaceBanners />
      {error && (
        <div className="banner bad" role="alert">
          <span>{error}</span>
        </div>
      )}
      {editError && (
        <div className="banner bad" role="alert">
          <span>{editError}</span>
        </div>
      )}
      {draftListeners === null && (
        <div className="banner warn" role="alert">
          <span>The YAML draft does not parse, so modes cannot be switched here. Fix it in the Routes editor.</span>
        </div>
      )}
      {pendingModes.length > 0 && (
        <div className="banner info" role="status" data-testid="apply-hint">
          <span>
            {switched ? 'The draft now sets ' : 'The draft sets '}
            {pendingModes.map((l) => `"${l.name}" to ${byName.get(l.name)!.mode}`).join(', ')}: press <strong>Apply</strong> to make it run.
          </span>
        </div>
      )}
      <div className="upstreams-body">
        {status === 'loading' && list.length === 0 && <p className="muted">Loading…</p>}
        {status === 'ready' && list.length === 0 && <p className="muted">The running config has no listeners.</p>}
        {list.length > 0 && (
          <section className="upstream-card">
            <table className="data-table listeners-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Address</th>
                  <th>Mode (running)</th>
                  <th>Served</th>
                  <th>TLS</th>
                  <th>Mode in the draft</th>
                </tr>
              </thead>
              <tbody>
                {list.map((l: ListenerReport) => {
                  const d = byName.get(l.name);
                  const tls = tlsState(l, d);
                  return (
                    <tr key={l.name} data-testid={`listener-${l.name}`}>
                      <td className="mono">{l.name}</td>
                      <td className="mono">
                        {l.served ? (
                          <a href={l.url} target="_blank" rel="noreferrer">
                            {l.url}
                          </a>
                        ) : (
                          l.url
                        )}
                      </td>
                      <td>{l.mode}</td>
                      <td className="wrap">
                        {l.served ? (
                          <span className="pill good">serving</span>
                        ) : (
                          <span className="pill bad">not bound</span>
                        )}
                      </td>
                      <td data-testid={`tls-${l.name}`} className={tls.source === 'none' ? 'muted' : undefined}>
                        {tls.label}
                      </td>
                      <td>
                        <ModeSwitch name={l.name} draft={d} onSwitch={onSwitch} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
        )}
        {list
          .filter((l) => l.mode === 'forward')
          .map((l) => (
            <ForwardHowTo key={l.name} info={l} />
          ))}
      </div>
    </div>
  );
}
