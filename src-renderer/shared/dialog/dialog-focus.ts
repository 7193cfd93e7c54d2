/**
 * Keyboard focus for modal dialogs: while one is open, Tab cycles inside it;
 * when it closes, the focus goes back to what had it before (the button that
 * opened it) instead of falling to <body>.
 */
import { useEffect, type KeyboardEvent } from 'react';

/** Call first in the dialog component, before it moves the focus into itself. */
export function useReturnFocus(): void {
  useEffect(() => {
    const opener = document.activeElement;
    return () => {
      if (opener instanceof HTMLElement && opener !== document.body && opener.isConnected) opener.focus();
    };
  }, []);
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** onKeyDown of the dialog: Tab from the last control goes to the first, Shift+Tab from the first to the last. */
export function keepTabInside(e: KeyboardEvent<HTMLElement>): void {
  if (e.key !== 'Tab') return;
  const inside = [...e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)];
  if (inside.length === 0) return;
  const first = inside[0];
  const last = inside[inside.length - 1];
  const at = document.activeElement;
  if (e.shiftKey && (at === first || !e.currentTarget.contains(at))) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (at === last || !e.currentTarget.contains(at))) {
    e.preventDefault();
    first.focus();
  }
}
