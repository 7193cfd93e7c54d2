import { useEffect, useRef } from 'react';
import { useColorScheme } from '../../app/theme';
import { monaco, monacoTheme } from '../../shared/monaco/monaco';
import { useAppStore, useAppStoreApi } from '../../store';
import { draftModel, runningModel } from './draft-model';

/** Running config (left, read-only) against the draft (right, editable: it is the same model as the editor's). */
export function DiffEditor() {
  const host = useRef<HTMLDivElement>(null);
  const api = useAppStoreApi();
  const scheme = useColorScheme();
  const runningText = useAppStore((s) => s.running?.text ?? '');

  useEffect(() => {
    const editor = monaco.editor.createDiffEditor(host.current!, {
      automaticLayout: true,
      fontSize: 13,
      minimap: { enabled: false },
      originalEditable: false,
      renderSideBySide: true,
      scrollBeyondLastLine: false,
      theme: monacoTheme(scheme),
    });
    editor.setModel({ original: runningModel(api.getState().running?.text ?? ''), modified: draftModel(api) });
    return () => editor.dispose();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  useEffect(() => {
    runningModel(runningText);
  }, [runningText]);

  return <div className="code-editor" ref={host} data-testid="yaml-diff" />;
}
