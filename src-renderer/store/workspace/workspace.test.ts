import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConfigIssue } from '../../client/contract';
import { fakeControl, MemoryStorage, testStore, type FakeControl } from '../test-helpers';
import { draftKey, loadDraft } from './persistence';
import { selectCurrentIssues, selectErrorCount, selectIsDirty } from './selectors';

const RUNNING = 'version: 1\nlisteners:\n  - { name: web, address: 127.0.0.1:8080 }\n';
const issue = (line: number, message: string): ConfigIssue => ({ file: 'workspace.yaml', line, column: 3, message, path: [], severity: 'error' });

function engine(initial = RUNNING) {
  let running = { text: initial, file: '/ws/workspace.yaml' as string | null, generation: 1 };
  const control = fakeControl({
    'config.get': () => ({ ...running }),
    'config.validate': ({ text }) => (String(text).includes('bogus') ? { valid: false, issues: [issue(4, 'unknown key "bogus"')] } : { valid: true, issues: [] }),
    'config.apply': ({ text }) => {
      if (String(text).includes('bogus')) return { applied: false, generation: null, issues: [issue(4, 'unknown key "bogus"')], warnings: [] };
      running = { ...running, text: String(text), generation: running.generation + 1 };
      return { applied: true, generation: running.generation, issues: [], warnings: [] };
    },
  });
  return {
    control,
    /** Another client (or the file watcher) applied a config. */
    applyElsewhere(text: string) {
      running = { ...running, text, generation: running.generation + 1 };
      return running.generation;
    },
  };
}

const callsOf = (c: FakeControl, m: string) => c.calls.filter((x) => x.method === m);

describe('workspace slice', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  it('loads the running config as the draft and validates it', async () => {
    const { control } = engine();
    const store = testStore(control);
    await store.getState().loadWorkspace();
    const s = store.getState();
    expect(s.workspaceStatus).toBe('ready');
    expect(s.draft).toBe(RUNNING);
    expect(s.draftBase).toEqual({ text: RUNNING, generation: 1 });
    expect(selectIsDirty(s)).toBe(false);
    await vi.waitFor(() => expect(store.getState().validation.status).toBe('valid'));
  });

  it('validates while typing, debounced, and drops results for older text', async () => {
    const { control } = engine();
    const store = testStore(control);
    await store.getState().loadWorkspace();
    await vi.waitFor(() => expect(store.getState().validation.status).toBe('valid'));
    const before = callsOf(control, 'config.validate').length;
    store.getState().setDraft(RUNNING + 'b');
    store.getState().setDraft(RUNNING + 'bo');
    store.getState().setDraft(RUNNING + 'bogus: 1\n');
    expect(callsOf(control, 'config.validate')).toHaveLength(before);
    vi.advanceTimersByTime(50);
    expect(callsOf(control, 'config.validate')).toHaveLength(before + 1);
    await vi.waitFor(() => expect(store.getState().validation.status).toBe('invalid'));
    expect(selectErrorCount(store.getState())).toBe(1);

    // A slow answer for a text the user has since changed is not shown.
    let release!: () => void;
    control.on('config.validate', () => new Promise((r) => (release = () => r({ valid: true, issues: [] }))));
    const pending = store.getState().validateDraft();
    store.getState().setDraft(RUNNING + 'bogus: 2\n');
    release();
    await pending;
    expect(store.getState().validation.text).toBe(RUNNING + 'bogus: 1\n');
    expect(selectCurrentIssues(store.getState())).toEqual([]); // the shown issues belong to another text
  });

  it('applies a valid draft: the running config and its generation follow', async () => {
    const { control } = engine();
    const store = testStore(control);
    await store.getState().loadWorkspace();
    const next = RUNNING + 'routes: []\n';
    store.getState().setDraft(next);
    const outcome = await store.getState().applyDraft();
    expect(outcome).toMatchObject({ applied: true, generation: 2 });
    const s = store.getState();
    expect(s.running).toEqual({ text: next, file: '/ws/workspace.yaml', generation: 2 });
    expect(s.draftBase).toEqual({ text: next, generation: 2 });
    expect(s.lastApply.status).toBe('applied');
    expect(selectIsDirty(s)).toBe(false);
  });

  it('keeps the running config when the engine rejects the draft, and shows why', async () => {
    const { control } = engine();
    const store = testStore(control);
    await store.getState().loadWorkspace();
    const bad = RUNNING + 'bogus: true\n';
    store.getState().setDraft(bad);
    const outcome = await store.getState().applyDraft();
    expect(outcome).toMatchObject({ applied: false });
    const s = store.getState();
    expect(s.running?.generation).toBe(1);
    expect(s.running?.text).toBe(RUNNING);
    expect(s.draft).toBe(bad);
    expect(s.lastApply).toMatchObject({ status: 'rejected', text: bad });
    expect(selectCurrentIssues(s).map((i) => i.message)).toEqual(['unknown key "bogus"']);
  });

  it('Validate+Apply does not apply an invalid draft', async () => {
    const { control } = engine();
    const store = testStore(control);
    await store.getState().loadWorkspace();
    store.getState().setDraft(RUNNING + 'bogus: 1\n');
    expect(await store.getState().validateAndApply()).toBeNull();
    expect(callsOf(control, 'config.apply')).toHaveLength(0);
    store.getState().setDraft(RUNNING + '# fine\n');
    expect(await store.getState().validateAndApply()).toMatchObject({ applied: true });
  });

  it('reports a transport failure on apply without touching the draft', async () => {
    const { control } = engine();
    const store = testStore(control);
    await store.getState().loadWorkspace();
    control.on('config.apply', () => {
      throw new Error('host went away');
    });
    store.getState().setDraft(RUNNING + '# x\n');
    expect(await store.getState().applyDraft()).toBeNull();
    expect(store.getState().lastApply).toMatchObject({ status: 'error', error: 'host went away' });
    expect(store.getState().draft).toBe(RUNNING + '# x\n');
  });

  it('reverts to the running config', async () => {
    const { control } = engine();
    const store = testStore(control);
    await store.getState().loadWorkspace();
    store.getState().setDraft('garbage');
    store.getState().revertDraft();
    expect(store.getState().draft).toBe(RUNNING);
    expect(selectIsDirty(store.getState())).toBe(false);
  });

  it('follows a config applied elsewhere when the draft is clean', async () => {
    const e = engine();
    const store = testStore(e.control);
    await store.getState().loadWorkspace();
    const gen = e.applyElsewhere(RUNNING + '# from elsewhere\n');
    await store.getState().onConfigApplied(gen);
    expect(store.getState().draft).toBe(RUNNING + '# from elsewhere\n');
    expect(store.getState().staleBase).toBeNull();
  });

  it('keeps unsaved edits and warns when the running config changes underneath them', async () => {
    const e = engine();
    const store = testStore(e.control);
    await store.getState().loadWorkspace();
    store.getState().setDraft(RUNNING + '# mine\n');
    const gen = e.applyElsewhere(RUNNING + '# theirs\n');
    await store.getState().onConfigApplied(gen);
    const s = store.getState();
    expect(s.draft).toBe(RUNNING + '# mine\n');
    expect(s.running?.text).toBe(RUNNING + '# theirs\n');
    expect(s.staleBase).toEqual({ fromGeneration: 1, toGeneration: 2 });
    store.getState().rebaseDraft();
    expect(store.getState().staleBase).toBeNull();
    expect(store.getState().draftBase).toEqual({ text: RUNNING + '# theirs\n', generation: 2 });
  });

  it('ignores the event of its own apply', async () => {
    const e = engine();
    const store = testStore(e.control);
    await store.getState().loadWorkspace();
    store.getState().setDraft(RUNNING + '# a\n');
    await store.getState().applyDraft();
    const gets = callsOf(e.control, 'config.get').length;
    await store.getState().onConfigApplied(2);
    expect(callsOf(e.control, 'config.get')).toHaveLength(gets);
  });

  it('does nothing without a host', async () => {
    const store = testStore(null);
    await store.getState().loadWorkspace();
    expect(await store.getState().applyDraft()).toBeNull();
    expect(store.getState().workspaceStatus).toBe('idle');
  });
});

describe('draft persistence through the store', () => {
  it('survives a reload: a new page restores the unapplied draft', async () => {
    const storage = new MemoryStorage();
    const e = engine();
    const first = testStore(e.control, storage);
    await first.getState().loadWorkspace();
    first.getState().setDraft(RUNNING + '# unsaved\n');
    expect(loadDraft(storage, draftKey('/ws/workspace.yaml'))).toMatchObject({ text: RUNNING + '# unsaved\n', baseText: RUNNING, baseGeneration: 1 });

    const second = testStore(e.control, storage);
    await second.getState().loadWorkspace();
    expect(second.getState().draft).toBe(RUNNING + '# unsaved\n');
    expect(second.getState().restoredDraft).toBe(true);
    expect(second.getState().staleBase).toBeNull();
  });

  it('warns on reload when the running config changed since the draft was saved', async () => {
    const storage = new MemoryStorage();
    const e = engine();
    const first = testStore(e.control, storage);
    await first.getState().loadWorkspace();
    first.getState().setDraft(RUNNING + '# unsaved\n');
    e.applyElsewhere(RUNNING + '# changed by someone\n');

    const second = testStore(e.control, storage);
    await second.getState().loadWorkspace();
    expect(second.getState().draft).toBe(RUNNING + '# unsaved\n');
    expect(second.getState().staleBase).toEqual({ fromGeneration: 1, toGeneration: 2 });
  });

  it('forgets the draft once it is applied or reverted', async () => {
    const storage = new MemoryStorage();
    const e = engine();
    const store = testStore(e.control, storage);
    await store.getState().loadWorkspace();
    store.getState().setDraft(RUNNING + '# a\n');
    await store.getState().applyDraft();
    expect(storage.length).toBe(0);
    store.getState().setDraft(RUNNING + '# b\n');
    expect(storage.length).toBe(1);
    store.getState().revertDraft();
    expect(storage.length).toBe(0);
  });

  it('keeps working in memory when storage refuses writes', async () => {
    const storage = new MemoryStorage();
    storage.failWrites = true;
    const e = engine();
    const store = testStore(e.control, storage);
    await store.getState().loadWorkspace();
    store.getState().setDraft(RUNNING + '# a\n');
    expect(store.getState().draft).toBe(RUNNING + '# a\n');
  });
});
