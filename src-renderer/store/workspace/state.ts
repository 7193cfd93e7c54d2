import type { ApplyOutcome, ConfigIssue, RunningConfig } from '../../client/contract';

export interface ValidationState {
  status: 'idle' | 'pending' | 'valid' | 'invalid' | 'error';
  issues: ConfigIssue[];
  /** The draft text these issues belong to (stale results are dropped). */
  text: string | null;
  error: string | null;
}

export interface ApplyState {
  status: 'idle' | 'applying' | 'applied' | 'rejected' | 'error';
  /** Issues of a rejected apply (the running config stayed). */
  issues: ConfigIssue[];
  warnings: string[];
  generation: number | null;
  error: string | null;
  /** The text that was sent. */
  text: string | null;
  at: number | null;
}

export interface WorkspaceState {
  workspaceStatus: 'idle' | 'loading' | 'ready' | 'error';
  workspaceError: string | null;
  /** The config the engine runs now. */
  running: RunningConfig | null;
  /**
   * THE source of truth for the editor and the designer: the workspace YAML
   * as the user is editing it. The designer edits this text (comments kept);
   * the editor shows it.
   */
  draft: string;
  /** The running config the draft started from. */
  draftBase: { text: string; generation: number } | null;
  /** The draft was restored from storage on load. */
  restoredDraft: boolean;
  /** The running config changed underneath unsaved edits (another apply, a file reload, a host restart). */
  staleBase: { fromGeneration: number; toGeneration: number } | null;
  validation: ValidationState;
  lastApply: ApplyState;
  /** Bumped on every draft change, so async results can tell they are stale. */
  draftVersion: number;
}

export const initialWorkspaceState: WorkspaceState = {
  workspaceStatus: 'idle',
  workspaceError: null,
  running: null,
  draft: '',
  draftBase: null,
  restoredDraft: false,
  staleBase: null,
  validation: { status: 'idle', issues: [], text: null, error: null },
  lastApply: { status: 'idle', issues: [], warnings: [], generation: null, error: null, text: null, at: null },
  draftVersion: 0,
};

export type { ApplyOutcome };
