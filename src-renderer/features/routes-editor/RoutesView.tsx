import { useCallback, useRef, useState } from 'react';
import type { ConfigIssue } from '../../client/contract';
import type { monaco } from '../../shared/monaco/monaco';
import { WorkspaceActions } from '../../shared/workspace/WorkspaceActions';
import { WorkspaceBanners } from '../../shared/workspace/WorkspaceBanners';
import { useAppStore } from '../../store';
import { selectWorkspaceStatus } from '../../store/workspace/selectors';
import { CodeEditor } from './CodeEditor';
import { DiffEditor } from './DiffEditor';
import { IssuesPanel } from './IssuesPanel';

export function RoutesView() {
  const status = useAppStore(selectWorkspaceStatus);
  const file = useAppStore((s) => s.running?.file ?? null);
  const [diff, setDiff] = useState(false);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const onEditor = useCallback((e: monaco.editor.IStandaloneCodeEditor | null) => {
    editor.current = e;
  }, []);

  const jump = (issue: ConfigIssue) => {
    setDiff(false);
    // The editor mounts again when leaving the diff: wait a frame for it.
    requestAnimationFrame(() => {
      const e = editor.current;
      if (!e) return;
      e.revealLineInCenter(issue.line);
      e.setPosition({ lineNumber: issue.line, column: issue.column });
      e.focus();
    });
  };

  return (
    <div className="view routes-view" data-testid="view-routes">
      <header className="view-head">
        <h1>Routes</h1>
        <span className="muted view-sub" title={file ?? undefined}>
          {file ?? 'in-memory demo workspace (applied changes last until the host stops)'}
        </span>
      </header>
      <WorkspaceActions>
        <button type="button" onClick={() => setDiff((d) => !d)} aria-pressed={diff} disabled={status !== 'ready'} data-testid="diff-toggle">
          {diff ? 'Back to editor' : 'Diff vs running'}
        </button>
      </WorkspaceActions>
      <WorkspaceBanners onShowDiff={() => setDiff(true)} />
      <div className="editor-area">
        {status === 'ready' ? diff ? <DiffEditor /> : <CodeEditor onEditor={onEditor} /> : <p className="muted pad">{status === 'error' ? 'The workspace could not be loaded.' : 'Loading the workspace…'}</p>}
      </div>
      <IssuesPanel onJump={jump} />
    </div>
  );
}
