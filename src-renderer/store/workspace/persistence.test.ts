import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../test-helpers';
import { clearDraft, draftKey, loadDraft, restoreDraft, saveDraft } from './persistence';

describe('draft persistence', () => {
  it('round-trips a draft per workspace file', () => {
    const s = new MemoryStorage();
    expect(saveDraft(s, draftKey('/a.yaml'), { text: 'x', baseText: 'y', baseGeneration: 3 }, 42)).toBe(true);
    expect(loadDraft(s, draftKey('/a.yaml'))).toEqual({ v: 1, text: 'x', baseText: 'y', baseGeneration: 3, savedAt: 42 });
    expect(loadDraft(s, draftKey('/b.yaml'))).toBeNull();
    expect(draftKey(null)).not.toBe(draftKey('/a.yaml'));
    clearDraft(s, draftKey('/a.yaml'));
    expect(loadDraft(s, draftKey('/a.yaml'))).toBeNull();
  });

  it('ignores corrupt or foreign entries', () => {
    const s = new MemoryStorage();
    s.setItem(draftKey(null), '{not json');
    expect(loadDraft(s, draftKey(null))).toBeNull();
    s.setItem(draftKey(null), JSON.stringify({ v: 2, text: 'x' }));
    expect(loadDraft(s, draftKey(null))).toBeNull();
    expect(loadDraft(null, draftKey(null))).toBeNull();
    expect(saveDraft(null, 'k', { text: '', baseText: '', baseGeneration: 0 })).toBe(false);
  });

  it('decides what the editor starts with', () => {
    const running = { text: 'R', generation: 5 };
    expect(restoreDraft(null, running)).toEqual({ draft: 'R', base: { text: 'R', generation: 5 }, restored: false, stale: false });
    const same = { v: 1 as const, text: 'R', baseText: 'old', baseGeneration: 1, savedAt: 0 };
    expect(restoreDraft(same, running).restored).toBe(false);
    const edited = { v: 1 as const, text: 'D', baseText: 'R', baseGeneration: 5, savedAt: 0 };
    expect(restoreDraft(edited, running)).toEqual({ draft: 'D', base: { text: 'R', generation: 5 }, restored: true, stale: false });
    // Generations restart with the host; the base text decides staleness.
    const afterRestart = { v: 1 as const, text: 'D', baseText: 'R', baseGeneration: 9, savedAt: 0 };
    expect(restoreDraft(afterRestart, { text: 'R', generation: 1 }).stale).toBe(false);
    const moved = { v: 1 as const, text: 'D', baseText: 'OLD', baseGeneration: 4, savedAt: 0 };
    expect(restoreDraft(moved, running)).toMatchObject({ restored: true, stale: true });
  });
});
