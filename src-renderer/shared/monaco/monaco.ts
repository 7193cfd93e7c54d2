/**
 * The one Monaco setup of the workbench, bundled locally (no CDN, no AMD
 * loader): the editor core + its standard features + YAML, the editor worker
 * and monaco-yaml's worker as Vite `?worker` entries, and monaco-yaml fed
 * with the JSON Schema generated from the engine's zod schema (validation,
 * completion and hover docs from its descriptions).
 *
 * Import this module only from lazily loaded views: it is large.
 */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/yaml/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import { configureMonacoYaml } from 'monaco-yaml';
import workspaceSchema from '../../../resources/switchyard.schema.json';
import type { ColorScheme } from '../../app/theme';
import YamlWorker from './yaml.worker?worker';

export { monaco };

/** The draft workspace (the editable model shared by the editor and the diff). */
export const DRAFT_URI = monaco.Uri.parse('file:///switchyard/workspace.yaml');
/** The running config, the left side of "Diff vs running". */
export const RUNNING_URI = monaco.Uri.parse('file:///switchyard/running/workspace.yaml');

globalThis.MonacoEnvironment = {
  getWorker(_moduleId: string, label: string) {
    if (label === 'yaml') return new YamlWorker();
    return new EditorWorker();
  },
};

/*
 * monaco-yaml (through monaco-worker-manager) still calls
 * `editor.createWebWorker({ moduleId, label, createData })`; since
 * monaco-editor 0.55 that function needs the Worker itself. Give monaco-yaml
 * an editor namespace whose createWebWorker does what monaco's own language
 * services do: start the worker, send the two init messages, hand it over.
 */
interface LegacyWorkerOptions {
  label?: string;
  createData?: unknown;
  host?: Record<string, (...args: unknown[]) => unknown>;
  keepIdleModels?: boolean;
  worker?: Worker | Promise<Worker>;
}
const editorForYaml = Object.create(monaco.editor) as typeof monaco.editor;
Object.defineProperty(editorForYaml, 'createWebWorker', {
  value: (opts: LegacyWorkerOptions) => {
    if (opts.worker) return monaco.editor.createWebWorker(opts as monaco.editor.IInternalWebWorkerOptions);
    const worker = globalThis.MonacoEnvironment!.getWorker!('workerMain.js', opts.label ?? 'yaml') as Worker;
    worker.postMessage('ignore');
    worker.postMessage(opts.createData);
    return monaco.editor.createWebWorker({ worker, host: opts.host, keepIdleModels: opts.keepIdleModels });
  },
});

configureMonacoYaml({ ...monaco, editor: editorForYaml } as unknown as Parameters<typeof configureMonacoYaml>[0], {
  enableSchemaRequest: false,
  validate: true,
  completion: true,
  hover: true,
  schemas: [
    {
      uri: 'file:///switchyard/switchyard.schema.json',
      fileMatch: [DRAFT_URI.toString()],
      schema: workspaceSchema as object,
    },
  ],
});

monaco.editor.defineTheme('switchyard-light', {
  base: 'vs',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#ffffff', 'editorGutter.background': '#fafbfc' },
});
monaco.editor.defineTheme('switchyard-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#16191f', 'editorGutter.background': '#16191f' },
});

export function monacoTheme(scheme: ColorScheme): string {
  return scheme === 'dark' ? 'switchyard-dark' : 'switchyard-light';
}

/** The model of `uri`, created on first use and kept for the page's lifetime (undo history survives view switches). */
export function sharedModel(uri: monaco.Uri, text: string): monaco.editor.ITextModel {
  return monaco.editor.getModel(uri) ?? monaco.editor.createModel(text, 'yaml', uri);
}

/**
 * Replace the whole text as ONE undoable edit (Ctrl+Z brings the old text back),
 * keeping the cursor where it was when possible. Used for Revert and for
 * designer edits arriving in the draft.
 */
export function replaceText(model: monaco.editor.ITextModel, text: string): void {
  if (model.getValue() === text) return;
  model.pushStackElement();
  model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
  model.pushStackElement();
}
