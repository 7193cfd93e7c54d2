/**
 * Light and dark: follow the system (`prefers-color-scheme`) unless the user
 * picked one in Settings (kept in localStorage). The resolved scheme is
 * written to `<html data-theme>`, which styles.css keys its variables on;
 * the hook is for the parts that take a theme name: Monaco and React Flow.
 */
import { useSyncExternalStore } from 'react';

export type ColorScheme = 'light' | 'dark';
export type ThemePreference = 'system' | ColorScheme;

const QUERY = '(prefers-color-scheme: dark)';
export const THEME_KEY = 'switchyard.theme';

const listeners = new Set<() => void>();
/** The choice when localStorage refuses writes (it then holds for this page only). */
let memoryPreference: ThemePreference | null = null;

function media(): MediaQueryList | null {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia(QUERY) : null;
}

function storage(): Storage | null {
  try {
    return typeof window !== 'undefined' ? window.localStorage : null;
  } catch {
    return null;
  }
}

export function themePreference(): ThemePreference {
  let v: string | null = null;
  try {
    v = storage()?.getItem(THEME_KEY) ?? null;
  } catch {
    v = null;
  }
  return v === 'light' || v === 'dark' ? v : 'system';
}

export function setThemePreference(pref: ThemePreference): void {
  try {
    if (pref === 'system') storage()?.removeItem(THEME_KEY);
    else storage()?.setItem(THEME_KEY, pref);
  } catch {
    memoryPreference = pref;
  }
  applyColorScheme();
  for (const l of listeners) l();
}

export function currentColorScheme(): ColorScheme {
  const pref = memoryPreference ?? themePreference();
  if (pref !== 'system') return pref;
  return media()?.matches ? 'dark' : 'light';
}

/** Write the resolved scheme to <html data-theme> (call once at start-up; changes re-apply it). */
export function applyColorScheme(doc: Document | null = typeof document !== 'undefined' ? document : null): void {
  if (doc) doc.documentElement.dataset.theme = currentColorScheme();
}

/** Apply the scheme now and whenever the system's changes (once per page, from main.tsx). */
export function initColorScheme(): void {
  applyColorScheme();
  media()?.addEventListener('change', () => applyColorScheme());
}

function subscribe(onChange: () => void): () => void {
  const m = media();
  listeners.add(onChange);
  m?.addEventListener('change', onChange);
  return () => {
    listeners.delete(onChange);
    m?.removeEventListener('change', onChange);
  };
}

export function useColorScheme(): ColorScheme {
  return useSyncExternalStore(subscribe, currentColorScheme, () => 'light');
}

export function useThemePreference(): ThemePreference {
  return useSyncExternalStore(subscribe, () => memoryPreference ?? themePreference(), () => 'system');
}
