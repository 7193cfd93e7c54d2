import type { ApplyOutcome, RunningConfig, ValidateResult } from '../../client/contract';
import { describeError } from '../errors';
import type { GetState, SliceCreator, StoreDeps } from '../types';
import { clearDraft, draftKey, loadDraft, restoreDraft, saveDraft } from './persistence';
import { initialWorkspaceState, type WorkspaceState } from './state';

export type DraftOrigin = 'editor' | 'designer' | 'revert' | 'load' | 'running';

export interface WorkspaceActions {
  /** Fetch the running config and start the draft (restoring unsaved edits from storage). */
  loadWorkspace(): Promise<void>;
  /** Replace the draft text (from the editor or a designer form); schedules the engine validation. */
  setDraft(text: string, origin?: DraftOrigin): void;
  /** Validate the current draft with the engine now. */
  validateDraft(): Promise<ValidateResult | null>;
  /** Apply the draft (atomic on the engine side: an invalid config changes nothing). */
  applyDraft(): Promise<ApplyOutcome | null>;
  /** Ctrl/Cmd+S: validate, and apply only when valid. */
  validateAndApply(): Promise<ApplyOutcome | null>;
  /** Back to the running config. */
  revertDraft(): void;
  /**
   * The running config changed (an event said so): refetch and reconcile with
   * the draft. Without a generation (after a reconnect) it always refetches.
   */
  onConfigApplied(generation?: number): Promise<void>;
  /** Keep the draft, but treat the current running config as its base (dismisses the stale warning). */
  rebaseDraft(): void;
}

export type WorkspaceSlice = WorkspaceState & WorkspaceActions;

const DEFAULT_VALIDATE_DELAY = 400;

export const createWorkspaceSlice: SliceCreator<WorkspaceSlice> = (set, get, deps) => {
  let validateTimer: ReturnType<typeof setTimeout> | null = null;
  let validateSeq = 0;

  const persist = () => persistDraft(get, deps);

  const scheduleValidation = () => {
    if (validateTimer) clearTimeout(validateTimer);
    if (!deps.control) return;
    validateTimer = setTimeout(() => {
      validateTimer = null;
      void get().validateDraft();
    }, deps.validateDelayMs ?? DEFAULT_VALIDATE_DELAY);
  };

  const adoptRunning = (running: RunningConfig) => {
    set((s) => ({
      running,
      draft: running.text,
      draftBase: { text: running.text, generation: running.generation },
      staleBase: null,
      restoredDraft: false,
      draftVersion: s.draftVersion + 1,
    }));
  };

  return {
    ...initialWorkspaceState,

    async loadWorkspace() {
      if (!deps.control) return;
      set({ workspaceStatus: 'loading', workspaceError: null });
      let running: RunningConfig;
      try {
        running = await deps.control.call('config.get');
      } catch (err) {
        set({ workspaceStatus: 'error', workspaceError: describeError(err).message });
        return;
      }
      const saved = loadDraft(deps.storage, draftKey(running.file));
      const r = restoreDraft(saved, running);
      set((s) => ({
        workspaceStatus: 'ready',
        running,
        draft: r.draft,
        draftBase: r.base,
        restoredDraft: r.restored,
        staleBase: r.stale ? { fromGeneration: r.base.generation, toGeneration: running.generation } : null,
        draftVersion: s.draftVersion + 1,
      }));
      persist();
      void get().validateDraft();
    },

    setDraft(text, _origin = 'editor') {
      if (text === get().draft) return;
      set((s) => ({ draft: text, draftVersion: s.draftVersion + 1 }));
      persist();
      scheduleValidation();
    },

    async validateDraft() {
      if (!deps.control) return null;
      if (validateTimer) {
        clearTimeout(validateTimer);
        validateTimer = null;
      }
      const text = get().draft;
      const seq = ++validateSeq;
      set((s) => ({ validation: { ...s.validation, status: 'pending', error: null } }));
      try {
        const result = await deps.control.call('config.validate', { text });
        if (seq === validateSeq && get().draft === text) {
          set({ validation: { status: result.valid ? 'valid' : 'invalid', issues: result.issues, text, error: null } });
        }
        return result;
      } catch (err) {
        if (seq === validateSeq) set((s) => ({ validation: { ...s.validation, status: 'error', error: describeError(err).message } }));
        return null;
      }
    },

    async applyDraft() {
      if (!deps.control || get().lastApply.status === 'applying') return null;
      const text = get().draft;
      set((s) => ({ lastApply: { ...s.lastApply, status: 'applying', error: null, text } }));
      let outcome: ApplyOutcome;
      try {
        outcome = await deps.control.call('config.apply', { text });
      } catch (err) {
        set((s) => ({ lastApply: { ...s.lastApply, status: 'error', error: describeError(err).message, at: Date.now() } }));
        return null;
      }
      const at = Date.now();
      if (!outcome.applied || outcome.generation === null) {
        set({
          lastApply: { status: 'rejected', issues: outcome.issues, warnings: outcome.warnings, generation: null, error: null, text, at },
          // The apply's issues are the freshest validation of this text.
          ...(get().draft === text ? { validation: { status: 'invalid' as const, issues: outcome.issues, text, error: null } } : {}),
        });
        return outcome;
      }
      const generation = outcome.generation;
      set((s) => ({
        running: { text, file: s.running?.file ?? null, generation },
        draftBase: { text, generation },
        staleBase: null,
        restoredDraft: false,
        lastApply: { status: 'applied', issues: [], warnings: outcome.warnings, generation, error: null, text, at },
        ...(s.draft === text ? { validation: { status: 'valid' as const, issues: outcome.issues, text, error: null } } : {}),
      }));
      persist();
      return outcome;
    },

    async validateAndApply() {
      const result = await get().validateDraft();
      if (!result || !result.valid) return null;
      return get().applyDraft();
    },

    revertDraft() {
      const running = get().running;
      if (!running) return;
      adoptRunning(running);
      set((s) => ({ lastApply: { ...s.lastApply, status: 'idle', issues: [], error: null } }));
      persist();
      scheduleValidation();
    },

    async onConfigApplied(generation) {
      if (!deps.control) return;
      const before = get().running;
      if (before && generation !== undefined && before.generation === generation) return; // our own apply, already reconciled
      let next: RunningConfig;
      try {
        next = await deps.control.call('config.get');
      } catch {
        return;
      }
      const s = get();
      const prev = s.running;
      const clean = prev === null || s.draft === prev.text;
      if (clean || s.draft === next.text) {
        adoptRunning(next);
        scheduleValidation();
      } else {
        set({
          running: next,
          staleBase:
            s.draftBase && s.draftBase.text !== next.text
              ? { fromGeneration: s.draftBase.generation, toGeneration: next.generation }
              : null,
        });
      }
      persist();
    },

    rebaseDraft() {
      const running = get().running;
      if (!running) return;
      set({ draftBase: { text: running.text, generation: running.generation }, staleBase: null, restoredDraft: false });
      persist();
    },
  };
};

/** Keep storage in step: a draft equal to the running config is not worth keeping. */
function persistDraft(get: GetState, deps: StoreDeps): void {
  const s = get();
  if (!s.running || !s.draftBase) return;
  const key = draftKey(s.running.file);
  if (s.draft === s.running.text) clearDraft(deps.storage, key);
  else saveDraft(deps.storage, key, { text: s.draft, baseText: s.draftBase.text, baseGeneration: s.draftBase.generation });
}

