import { useEffect, useRef } from 'react';
import { useColorScheme } from '../../app/theme';
import { monaco, monacoTheme } from '../../shared/monaco/monaco';
import { useAppStore, useAppStoreApi } from '../../store';
import { selectValidation } from '../../store/workspace/selectors';
import { draftModel } from './draft-model';
import { ENGINE_MARKER_OWNER, issuesToMarkers } from './markers';

export const EDITOR_OPTIONS: monaco.editor.IStandaloneEditorConstructionOptions = {
  automaticLayout: true,
  fontSize: 13,
  lineHeight: 20,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  tabSize: 2,
  insertSpaces: true,
  renderLineHighlight: 'line',
  quickSuggestions: { other: true, comments: false, strings: true },
  fixedOverflowWidgets: true,
  padding: { top: 8 },
};

/** The draft in Monaco, with the engine's validation as markers. */
export function CodeEditor({ onEditor }: { onEditor?: (editor: monaco.editor.IStandaloneCodeEditor | null) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const api = useAppStoreApi();
  const scheme = useColorScheme();
  const validation = useAppStore(selectValidation);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const onEditorRef = useRef(onEditor);

  useEffect(() => {
    const editor = monaco.editor.create(host.current!, {
      ...EDITOR_OPTIONS,
      model: draftModel(api),
      theme: monacoTheme(scheme),
      ariaLabel: 'Workspace YAML',
    });
    editorRef.current = editor;
    // The problems panel appearing shrinks the editor: keep the cursor line in view.
    const layout = editor.onDidLayoutChange(() => {
      const pos = editor.getPosition();
      if (pos && editor.hasTextFocus()) editor.revealPosition(pos);
    });
    const notify = onEditorRef.current;
    notify?.(editor);
    editor.focus();
    return () => {
      layout.dispose();
      notify?.(null);
      editorRef.current = null;
      editor.dispose(); // the model lives on (undo history survives switching views)
    };
    // The editor is created once; theme changes are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  useEffect(() => {
    monaco.editor.setTheme(monacoTheme(scheme));
  }, [scheme]);

  // Engine issues → markers, only when they belong to the text on screen
  // (while typing, the previous markers stay until the next result).
  useEffect(() => {
    const model = draftModel(api);
    if (validation.text !== model.getValue()) return;
    const markers = issuesToMarkers(
      validation.issues,
      { lineCount: model.getLineCount(), line: (n) => model.getLineContent(n) },
      { error: monaco.MarkerSeverity.Error, warning: monaco.MarkerSeverity.Warning },
    );
    monaco.editor.setModelMarkers(model, ENGINE_MARKER_OWNER, markers);
  }, [api, validation]);

  return <div className="code-editor" ref={host} data-testid="yaml-editor" />;
}
