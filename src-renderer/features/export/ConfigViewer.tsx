import { useEffect, useRef } from 'react';
import { useColorScheme } from '../../app/theme';
import { monaco, monacoTheme } from '../../shared/monaco/monaco';
import { snappedEditorHeight, type EditorMetrics } from './editor-height';

const METRICS: EditorMetrics = { lineHeight: 20, paddingTop: 8, horizontalScrollbarSize: 12 };

const VIEWER_OPTIONS: monaco.editor.IStandaloneEditorConstructionOptions = {
  automaticLayout: true,
  fontSize: 13,
  lineHeight: METRICS.lineHeight,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  renderLineHighlight: 'none',
  readOnly: true,
  domReadOnly: true,
  padding: { top: METRICS.paddingTop },
  // Always shown (no fade) so its opaque track (export.css) keeps the strip under the last whole line clean.
  scrollbar: { horizontal: 'visible', horizontalScrollbarSize: METRICS.horizontalScrollbarSize },
};

/** A generated config, read-only in Monaco (search, folding, copy; no editing). */
export function ConfigViewer({ text, language }: { text: string; language: 'plaintext' | 'yaml' }) {
  const frame = useRef<HTMLDivElement>(null);
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

  // The frame takes the pane's height; the editor inside it is cut to whole lines
  // (automaticLayout then follows the editor element's new size).
  useEffect(() => {
    const outer = frame.current!;
    const fit = () => {
      host.current!.style.height = `${snappedEditorHeight(outer.clientHeight, METRICS)}px`;
    };
    fit();
    const observer = new ResizeObserver(fit);
    observer.observe(outer);
    return () => observer.disconnect();
  }, []);

  return (
    <div className="export-editor-frame" ref={frame}>
      <div className="code-editor export-editor" ref={host} data-testid="export-editor" />
    </div>
  );
}
