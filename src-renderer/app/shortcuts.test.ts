import { describe, expect, it } from 'vitest';
import { findShortcut, formatCombo, matchesCombo, SHORTCUTS, type KeyEventLike } from './shortcuts';
import { VIEWS } from './views';

const key = (k: string, over: Partial<KeyEventLike> & { target?: EventTarget | null } = {}) => ({
  key: k,
  code: /^[0-9]$/.test(k) ? `Digit${k}` : undefined,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...over,
});

const input = { tagName: 'TEXTAREA', isContentEditable: false } as unknown as EventTarget;

describe('matchesCombo', () => {
  it('maps Mod to Ctrl elsewhere and Cmd on macOS', () => {
    expect(matchesCombo('Mod+S', key('s', { ctrlKey: true }), false)).toBe(true);
    expect(matchesCombo('Mod+S', key('s', { metaKey: true }), false)).toBe(false);
    expect(matchesCombo('Mod+S', key('s', { metaKey: true }), true)).toBe(true);
    expect(matchesCombo('Mod+S', key('S', { ctrlKey: true, shiftKey: true }), false)).toBe(false);
    expect(matchesCombo('Mod+Enter', key('Enter', { ctrlKey: true }), false)).toBe(true);
  });

  it('matches digits by physical key (Alt changes the character on some layouts)', () => {
    expect(matchesCombo('Alt+2', { key: '™', code: 'Digit2', ctrlKey: false, metaKey: false, altKey: true, shiftKey: false }, true)).toBe(true);
  });

  it('matches ? whatever Shift says', () => {
    expect(matchesCombo('?', key('?', { shiftKey: true }), false)).toBe(true);
  });
});

describe('findShortcut', () => {
  it('has Mod+1..9 for the nine views, in registry order', () => {
    expect(VIEWS).toHaveLength(9);
    VIEWS.forEach((v, i) => expect(findShortcut(key(String(i + 1), { ctrlKey: true }), 'routes', false)?.id).toBe(`view.${v.id}`));
  });

  it('scopes the workspace shortcuts to the views that edit the draft', () => {
    expect(findShortcut(key('s', { ctrlKey: true }), 'routes', false)?.id).toBe('workspace.validateApply');
    expect(findShortcut(key('Enter', { ctrlKey: true }), 'designer', false)?.id).toBe('workspace.apply');
    expect(findShortcut(key('s', { ctrlKey: true }), 'traffic', false)).toBeNull();
  });

  it('lets combos through while typing, but not plain keys', () => {
    expect(findShortcut(key('s', { ctrlKey: true, target: input }), 'routes', false)?.id).toBe('workspace.validateApply');
    expect(findShortcut(key('?', { shiftKey: true, target: input }), 'routes', false)).toBeNull();
    expect(findShortcut(key('?', { shiftKey: true }), 'routes', false)?.id).toBe('help.toggle');
  });

  it('has unique ids and readable labels', () => {
    expect(new Set(SHORTCUTS.map((s) => s.id)).size).toBe(SHORTCUTS.length);
    expect(formatCombo('Mod+S', false)).toBe('Ctrl+S');
    expect(formatCombo('Mod+S', true)).toBe('⌘S');
  });
});
