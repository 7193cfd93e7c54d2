import { useEffect, useRef } from 'react';
import { keepTabInside, useReturnFocus } from '../shared/dialog/dialog-focus';
import { formatCombo, SHORTCUTS, type ShortcutDefinition } from './shortcuts';
import { viewById } from './views';

const GROUPS: ShortcutDefinition['group'][] = ['Navigation', 'Workspace', 'Help'];

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useReturnFocus();
  useEffect(() => closeRef.current?.focus(), []);
  return (
    <div className="overlay" role="presentation" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog help" role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="help-overlay" onKeyDown={keepTabInside}>
        <div className="dialog-head">
          <h2 id="help-title">Keyboard shortcuts</h2>
          <button type="button" ref={closeRef} onClick={onClose} aria-label="Close">
            ✕
          </button>
        </div>
        {GROUPS.map((g) => (
          <section key={g}>
            <h3>{g}</h3>
            <table>
              <tbody>
                {SHORTCUTS.filter((s) => s.group === g).map((s) => (
                  <tr key={s.id}>
                    <td className="keys">
                      {s.keys.map((k, i) => (
                        <span key={k}>
                          {i > 0 && <span className="muted"> or </span>}
                          <kbd>{formatCombo(k)}</kbd>
                        </span>
                      ))}
                    </td>
                    <td>
                      {s.label}
                      {s.views && <span className="muted"> — in {s.views.map((v) => viewById(v).title).join(', ')}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </div>
    </div>
  );
}
