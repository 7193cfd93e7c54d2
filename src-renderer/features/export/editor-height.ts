/**
 * Monaco draws its horizontal scrollbar over the text area, so a pane of any
 * height shows a partial last line under the bar. Sizing the editor to whole
 * lines (plus top padding and the bar) keeps every line it shows readable; the
 * few pixels left over stay empty below the editor.
 */
export interface EditorMetrics {
  lineHeight: number;
  paddingTop: number;
  horizontalScrollbarSize: number;
}

export function snappedEditorHeight(available: number, m: EditorMetrics): number {
  const chrome = m.paddingTop + m.horizontalScrollbarSize;
  if (available <= chrome + m.lineHeight) return Math.max(0, Math.floor(available));
  const lines = Math.floor((available - chrome) / m.lineHeight);
  return lines * m.lineHeight + chrome;
}
