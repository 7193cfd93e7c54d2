import { useEffect, useRef, type ReactNode } from 'react';
import { keepTabInside, useReturnFocus } from '../../shared/dialog/dialog-focus';

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
}

/** A modal yes/no question; Cancel has the focus, so Enter never destroys anything by accident. */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel, testId }: ConfirmDialogProps) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useReturnFocus();
  useEffect(() => cancelRef.current?.focus(), []);
  return (
    <div className="overlay" role="presentation" onMouseDown={(e) => e.target === e.currentTarget && onCancel()} onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-title" data-testid={testId} onKeyDown={keepTabInside}>
        <div className="dialog-head">
          <h2 id="confirm-title">{title}</h2>
        </div>
        <div>{children}</div>
        <div className="dialog-actions">
          <button type="button" ref={cancelRef} onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="danger" onClick={onConfirm} data-testid={testId ? `${testId}-yes` : undefined}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
