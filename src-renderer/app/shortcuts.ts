/**
 * One registry of keyboard shortcuts: the key handling and the help overlay
 * (press ?) both read it. Components bind behaviour with
 * `useShortcut(id, handler)`; a shortcut without a bound handler does nothing.
 */
import { useEffect, useRef } from 'react';
import { VIEWS, type ViewId } from './views';

export interface ShortcutDefinition {
  id: string;
  /** Key combos: `Mod` is Cmd on macOS and Ctrl elsewhere. `Mod+S`, `Alt+1`, `?`, `Escape`. */
  keys: string[];
  label: string;
  group: 'Navigation' | 'Workspace' | 'Help';
  /** Only in these views (default: everywhere). */
  views?: readonly ViewId[];
  /** Fire even while typing in an input or the editor (default: only for Mod/Alt combos). */
  inEditable?: boolean;
}

export const SHORTCUTS: readonly ShortcutDefinition[] = [
  ...VIEWS.map(
    (v, i): ShortcutDefinition => ({
      id: `view.${v.id}`,
      // Browsers keep Ctrl+1..9 for their tabs; Alt+1..9 works there too.
      keys: [`Mod+${i + 1}`, `Alt+${i + 1}`],
      label: `Go to ${v.title}`,
      group: 'Navigation',
    }),
  ),
  {
    id: 'workspace.validateApply',
    keys: ['Mod+S'],
    label: 'Validate, then apply when valid',
    group: 'Workspace',
    views: ['routes', 'designer'],
  },
  { id: 'workspace.apply', keys: ['Mod+Enter'], label: 'Apply the draft', group: 'Workspace', views: ['routes', 'designer'] },
  { id: 'help.toggle', keys: ['?'], label: 'Show or hide this help', group: 'Help' },
  { id: 'help.close', keys: ['Escape'], label: 'Close dialogs', group: 'Help' },
];

export interface KeyEventLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export const isMac = (platform: string = typeof navigator === 'undefined' ? '' : navigator.platform) => /Mac|iPhone|iPad/i.test(platform);

/** Does the event match a combo like `Mod+Shift+S`? Digits match by physical key, so layouts and Alt do not matter. */
export function matchesCombo(combo: string, e: KeyEventLike, mac = isMac()): boolean {
  const parts = combo.split('+');
  const key = parts.pop()!;
  const mods = new Set(parts);
  const wantCtrl = mods.has('Ctrl') || (mods.has('Mod') && !mac);
  const wantMeta = mods.has('Meta') || (mods.has('Mod') && mac);
  const wantAlt = mods.has('Alt');
  if (e.ctrlKey !== wantCtrl || e.metaKey !== wantMeta || e.altKey !== wantAlt) return false;
  // '?' is Shift+/ on most layouts: compare the produced character, ignore Shift.
  if (key.length === 1 && !/[a-z0-9]/i.test(key)) return e.key === key;
  if (mods.has('Shift') !== e.shiftKey) return false;
  if (/^[0-9]$/.test(key)) return e.code === `Digit${key}` || e.code === `Numpad${key}` || e.key === key;
  return e.key.toLowerCase() === key.toLowerCase();
}

export function formatCombo(combo: string, mac = isMac()): string {
  const names: Record<string, string> = mac
    ? { Mod: '⌘', Ctrl: '⌃', Alt: '⌥', Shift: '⇧', Meta: '⌘', Enter: '↩', Escape: 'Esc' }
    : { Mod: 'Ctrl', Meta: 'Win', Enter: 'Enter', Escape: 'Esc' };
  return combo
    .split('+')
    .map((p) => names[p] ?? p)
    .join(mac ? '' : '+');
}

function isEditable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.tagName !== 'string') return false;
  return el.isContentEditable || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT';
}

type Handler = () => void;
const handlers = new Map<string, Handler[]>();

/** Bind `handler` to a registered shortcut while the component is mounted (the latest binding wins). */
export function useShortcut(id: string, handler: Handler, enabled = true): void {
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => {
    if (!enabled) return;
    if (!SHORTCUTS.some((s) => s.id === id)) throw new Error(`Unknown shortcut "${id}": add it to SHORTCUTS first.`);
    const bound: Handler = () => ref.current();
    const list = handlers.get(id) ?? [];
    list.push(bound);
    handlers.set(id, list);
    return () => {
      const l = handlers.get(id) ?? [];
      l.splice(l.indexOf(bound), 1);
    };
  }, [id, enabled]);
}

/** The shortcut that a key event triggers in `view`, if any (exported for tests). */
export function findShortcut(e: KeyEventLike & { target?: EventTarget | null }, view: ViewId, mac = isMac()): ShortcutDefinition | null {
  const editable = isEditable(e.target ?? null);
  for (const s of SHORTCUTS) {
    if (s.views && !s.views.includes(view)) continue;
    if (!s.keys.some((k) => matchesCombo(k, e, mac))) continue;
    const combo = e.ctrlKey || e.metaKey || e.altKey;
    if (editable && !combo && !s.inEditable && s.id !== 'help.close') continue;
    return s;
  }
  return null;
}

/** Install the one key listener (capture phase, so the editor cannot swallow our combos). */
export function useShortcutListener(getView: () => ViewId): void {
  const viewRef = useRef(getView);
  useEffect(() => {
    viewRef.current = getView;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const s = findShortcut(e, viewRef.current());
      if (!s) return;
      const list = handlers.get(s.id);
      const handler = list?.[list.length - 1];
      if (!handler) return;
      e.preventDefault();
      e.stopPropagation();
      handler();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}
