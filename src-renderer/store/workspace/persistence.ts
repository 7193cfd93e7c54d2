/**
 * Unsaved edits survive a reload: the draft text and the running config it
 * was based on are kept in localStorage, one entry per workspace file.
 * Storing the base *text* (not just the generation) matters: generations
 * restart at 1 when the host restarts, the text does not lie.
 */
export interface PersistedDraft {
  v: 1;
  text: string;
  baseText: string;
  baseGeneration: number;
  savedAt: number;
}

const PREFIX = 'switchyard.draft.v1:';

export function draftKey(file: string | null): string {
  return PREFIX + (file ?? '(in-memory workspace)');
}

export function saveDraft(storage: Storage | null, key: string, draft: Omit<PersistedDraft, 'v' | 'savedAt'>, now = Date.now()): boolean {
  if (!storage) return false;
  try {
    storage.setItem(key, JSON.stringify({ v: 1, ...draft, savedAt: now } satisfies PersistedDraft));
    return true;
  } catch {
    // Quota or privacy mode: the draft lives on in memory for this page.
    return false;
  }
}

export function loadDraft(storage: Storage | null, key: string): PersistedDraft | null {
  if (!storage) return null;
  let raw: string | null;
  try {
    raw = storage.getItem(key);
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const d = JSON.parse(raw) as Partial<PersistedDraft>;
    if (d.v !== 1 || typeof d.text !== 'string' || typeof d.baseText !== 'string' || typeof d.baseGeneration !== 'number') return null;
    return { v: 1, text: d.text, baseText: d.baseText, baseGeneration: d.baseGeneration, savedAt: typeof d.savedAt === 'number' ? d.savedAt : 0 };
  } catch {
    return null;
  }
}

export function clearDraft(storage: Storage | null, key: string): void {
  try {
    storage?.removeItem(key);
  } catch {
    // ignore
  }
}

/** What to start the editor with, given the running config and what was saved. */
export function restoreDraft(
  saved: PersistedDraft | null,
  running: { text: string; generation: number },
): { draft: string; base: { text: string; generation: number }; restored: boolean; stale: boolean } {
  if (!saved || saved.text === running.text) {
    return { draft: running.text, base: { text: running.text, generation: running.generation }, restored: false, stale: false };
  }
  const stale = saved.baseText !== running.text;
  return {
    draft: saved.text,
    base: { text: saved.baseText, generation: saved.baseGeneration },
    restored: true,
    stale,
  };
}
