import { useEffect } from 'react';
import { setThemePreference, useColorScheme, useThemePreference, type ThemePreference } from '../../app/theme';
import { useAppStore, useAppStoreApi } from '../../store';
import { selectAppInfo, selectMode } from '../../store/connection/selectors';
import { selectHistoryStats } from '../../store/history/selectors';
import { selectCaError, selectCaInfo, selectCaStatus } from '../../store/settings/selectors';
import { statsLine } from '../history/history-format';
import './settings.css';

const THEMES: { id: ThemePreference; label: string }[] = [
  { id: 'system', label: 'Follow the system' },
  { id: 'light', label: 'Light' },
  { id: 'dark', label: 'Dark' },
];

function Field({ name, children, testId }: { name: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="settings-field">
      <dt>{name}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

export function CaSection() {
  const ca = useAppStore(selectCaInfo);
  const status = useAppStore(selectCaStatus);
  const error = useAppStore(selectCaError);
  return (
    <section className="settings-card settings-card-wide" data-testid="settings-ca">
      <h2>Local certificate authority</h2>
      {status === 'loading' && !ca && <p className="muted">Loading…</p>}
      {status === 'unavailable' && <p className="muted" data-testid="ca-unavailable">Not available: this engine has no local CA.</p>}
      {status === 'error' && <p className="bad">{error}</p>}
      {ca && (
        <>
          <dl>
            <Field name="Certificate" testId="ca-path">
              <code className="mono">{ca.path}</code> {ca.exists ? null : <span className="small settings-warn">(not created yet: it is made when a TLS listener first needs it)</span>}
            </Field>
            {ca.subject && <Field name="Subject">{ca.subject}</Field>}
            {ca.notAfter && <Field name="Valid until">{new Date(ca.notAfter).toLocaleString()}</Field>}
            {ca.fingerprint256 && (
              <Field name="SHA-256">
                <code className="mono small wrap">{ca.fingerprint256}</code>
              </Field>
            )}
          </dl>
          {/* Long per-OS instructions: collapsed so the card stays short; paths never wrap mid-name. */}
          <details className="settings-trust" data-testid="ca-trust">
            <summary>Trusting it</summary>
            <pre className="mono small settings-help" data-testid="ca-help">
              {ca.installHelp}
            </pre>
          </details>
        </>
      )}
    </section>
  );
}

export function SettingsView() {
  const api = useAppStoreApi();
  const info = useAppStore(selectAppInfo);
  const mode = useAppStore(selectMode);
  const stats = useAppStore(selectHistoryStats);
  const pref = useThemePreference();
  const scheme = useColorScheme();

  useEffect(() => {
    const s = api.getState();
    void s.loadCaInfo();
    void s.loadHistoryStats();
    if (!s.appInfo) void s.loadAppInfo();
  }, [api]);

  return (
    <div className="view settings-view" data-testid="view-settings">
      <header className="view-head">
        <h1>Settings</h1>
      </header>
      <div className="settings-body">
        <section className="settings-card">
          <h2>Appearance</h2>
          <div role="radiogroup" aria-label="Theme" className="settings-themes">
            {THEMES.map((t) => (
              <label key={t.id}>
                <input type="radio" name="theme" value={t.id} checked={pref === t.id} onChange={() => setThemePreference(t.id)} data-testid={`theme-${t.id}`} />{' '}
                {t.label}
              </label>
            ))}
          </div>
          <p className="muted small" data-testid="theme-current">
            Showing the {scheme} theme{pref === 'system' ? ' (the system’s choice)' : ''}. Kept in this browser&apos;s storage.
          </p>
        </section>
        <section className="settings-card" data-testid="settings-app">
          <h2>Switchyard</h2>
          {info ? (
            <dl>
              <Field name="Version" testId="app-version">{info.version}</Field>
              <Field name="Data directory" testId="app-data-dir">
                <code className="mono">{info.dataDir}</code>
              </Field>
              <Field name="Host">{mode === 'desktop' ? 'desktop app' : 'browser (switchyard serve)'}</Field>
              <Field name="Node.js">{info.node}</Field>
            </dl>
          ) : (
            <p className="muted">Loading…</p>
          )}
        </section>
        <section className="settings-card" data-testid="settings-history">
          <h2>History</h2>
          {stats ? (
            <>
              <p data-testid="settings-history-stats">{statsLine(stats)}</p>
              {stats.writer.lastError && <p className="bad small">Last write error: {stats.writer.lastError}</p>}
              <p className="muted small">
                Stored in <code className="mono">history.db</code> under the data directory. Retention limits are set in the workspace
                (<code className="mono">history:</code>).
              </p>
            </>
          ) : (
            <p className="muted">No history statistics (history may be switched off in this workspace).</p>
          )}
          <button type="button" onClick={() => void api.getState().loadHistoryStats()}>
            Refresh
          </button>
        </section>
        <CaSection />
      </div>
    </div>
  );
}
