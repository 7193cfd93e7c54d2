import { useEffect, useMemo, useState } from 'react';
import type { ListenerInfo } from '../../client/contract';
import { WorkspaceActions } from '../../shared/workspace/WorkspaceActions';
import { WorkspaceBanners } from '../../shared/workspace/WorkspaceBanners';
import { useAppStore, useAppStoreApi } from '../../store';
import { selectListenerList, selectListenersError, selectListenersStatus, unservedReasons } from '../../store/listeners/selectors';
import { selectDraft, selectLastApply, selectRunningGeneration } from '../../store/workspace/selectors';
import { clientProxyUrl, forwardProxySnippets, readDraftListeners, setListenerMode, YamlEditError, type DraftListener, type ListenerMode } from './listener-model';
import '../upstreams/upstreams.css';
import './listeners.css';

const NO_WARNINGS: string[] = [];

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
  return (
    <div className="howto" data-testid={`howto-${info.name}`}>
      <h3>Point a client at {url}</h3>
      {!info.served && <p className="small bad">This engine does not serve forward listeners yet: these commands will work once it does.</p>}
      <ul>
        {forwardProxySnippets(url).map((s) => (
          <li key={s.label}>
            <span className="muted small">{s.label}</span>
            <code className="mono">{s.command}</code>
            <CopyButton text={s.command} />
          </li>
        ))}
      </ul>
      <p className="muted small">
        HTTPS through the proxy is tunnelled (CONNECT) and not decrypted. Decrypting it needs clients to trust Switchyard&apos;s local CA; where
        its certificate is and how to install it comes with the local CA (Settings).
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
  const lastApply = useAppStore(selectLastApply);
  const refresh = useAppStore((s) => s.refreshListeners);
  const [editError, setEditError] = useState<string | null>(null);
  const [switched, setSwitched] = useState<string | null>(null);

  // The list follows the running config: fetch on open and after every apply.
  useEffect(() => {
    void refresh();
  }, [refresh, generation]);

  const draftListeners = useMemo(() => readDraftListeners(draft), [draft]);
  const byName = useMemo(() => new Map((draftListeners ?? []).map((l) => [l.name, l])), [draftListeners]);
  // The engine explains an unserved listener in the warnings of the apply that made it run.
  const warnings = lastApply.status === 'applied' && lastApply.generation === generation ? lastApply.warnings : NO_WARNINGS;
  const reasons = useMemo(() => unservedReasons(warnings), [warnings]);
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
            <table className="data-table">
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
                {list.map((l) => {
                  const d = byName.get(l.name);
                  const reason = reasons.get(l.name);
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
                          <>
                            <span className="pill bad">not served</span>{' '}
                            <span className="small" data-testid="unserved-reason">
                              {reason ?? `this engine version does not bind it${l.mode === 'forward' ? ' (forward mode)' : ''}; the engine's own reason shows after an Apply from here`}
                            </span>
                          </>
                        )}
                      </td>
                      <td>{d?.tls ? <span title="TLS termination is not available yet">{d.tls} (not available yet)</span> : <span className="muted">none</span>}</td>
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
