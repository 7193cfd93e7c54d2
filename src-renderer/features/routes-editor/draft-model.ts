/**
 * The Monaco model of the draft, bound once to the store's draft text in
 * both directions: typing updates the store; a store change from elsewhere
 * (designer form, Revert, a reload of the running config) replaces the model
 * text as one undoable edit. The store stays the single source of truth.
 */
import { DRAFT_URI, monaco, replaceText, RUNNING_URI, sharedModel } from '../../shared/monaco/monaco';
import type { AppStore } from '../../store';

let bound: AppStore | null = null;

export function draftModel(store: AppStore): monaco.editor.ITextModel {
  const model = sharedModel(DRAFT_URI, store.getState().draft);
  if (bound !== store) {
    bound = store;
    replaceText(model, store.getState().draft);
    model.onDidChangeContent(() => {
      const text = model.getValue();
      if (text !== store.getState().draft) store.getState().setDraft(text, 'editor');
    });
    store.subscribe((s, prev) => {
      if (s.draft !== prev.draft && s.draft !== model.getValue()) replaceText(model, s.draft);
    });
  }
  return model;
}

/** The running config as a read-only model for the diff. */
export function runningModel(text: string): monaco.editor.ITextModel {
  const model = sharedModel(RUNNING_URI, text);
  if (model.getValue() !== text) model.setValue(text);
  return model;
}
