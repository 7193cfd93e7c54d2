// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useEffect, useRef, useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { keepTabInside, useReturnFocus } from './dialog-focus';

afterEach(cleanup);

function Dialog({ onClose }: { onClose: () => void }) {
  const first = useRef<HTMLButtonElement>(null);
  useReturnFocus();
  useEffect(() => first.current?.focus(), []);
  return (
    <div role="dialog" onKeyDown={keepTabInside}>
      <button type="button" ref={first} onClick={onClose}>
        Cancel
      </button>
      <button type="button" disabled>
        Disabled
      </button>
      <button type="button">Confirm</button>
    </div>
  );
}

function Page() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Open
      </button>
      <button type="button">Elsewhere</button>
      {open && <Dialog onClose={() => setOpen(false)} />}
    </>
  );
}

describe('dialog focus', () => {
  it('gives the focus back to the opener when the dialog closes', () => {
    render(<Page />);
    const opener = screen.getByRole('button', { name: 'Open' });
    opener.focus();
    fireEvent.click(opener);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it('cycles Tab inside the dialog, skipping disabled controls', () => {
    render(<Page />);
    screen.getByRole('button', { name: 'Open' }).focus();
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    const dialog = screen.getByRole('dialog');
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    const confirm = screen.getByRole('button', { name: 'Confirm' });
    confirm.focus();
    fireEvent.keyDown(dialog, { key: 'Tab' });
    expect(document.activeElement).toBe(cancel);
    fireEvent.keyDown(dialog, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(confirm);
    // In the middle, Tab is left to the browser.
    cancel.focus();
    expect(fireEvent.keyDown(dialog, { key: 'Tab' })).toBe(true);
  });
});
