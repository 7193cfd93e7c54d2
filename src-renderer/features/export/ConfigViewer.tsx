import { useEffect, useRef } from 'react';
import { useColorScheme } from '../../app/theme';
import { monaco, monacoTheme } from '../../shared/monaco/monaco';

const VIEWER_OPTIONS: monaco.editor.IStandaloneEditorConstructionOptions = {
  automaticLayout: true,
  fontSize: 13,
  lineHeight: 20,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  renderLineHighlight: 'none',
  readOnly: true,
  domReadOnly: true,
  padding: { top: 8 },
};

/** A generated config, read-only in Monaco (search, folding, copy; no editing). */
export function ConfigViewer({ text, language }: { text: string; language: 'plaintext' | 'yaml' }) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const scheme = useColorScheme();

  useEffect(() => {
    const model = monaco.editor.createModel('', 'plaintext');
    const editor = monaco.editor.create(host.current!, {
      ...VIEWER_OPTIONS,
      model,
      theme: monacoTheme(scheme),
      ariaLabel: 'Generated configuration',
    });
    editorRef.current = editor;
    return () => {
      editorRef.current = null;
      editor.dispose();
      model.dispose();
    };
    // Created once; text, language and theme are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    monaco.editor.setModelLanguage(model, language);
    if (model.getValue() !== text) model.setValue(text);
  }, [text, language]);

  useEffect(() => {
    monaco.editor.setTheme(monacoTheme(scheme));
  }, [scheme]);

  return <div className="code-editor export-editor" ref={host} data-testid="export-editor" />;
}
