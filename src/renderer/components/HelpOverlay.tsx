import { useEffect, useRef } from 'react';
import { showKeys, type Shortcut } from '../ui/shortcuts';

/** The list of keyboard shortcuts (`?`). */
export function HelpOverlay({ shortcuts, onClose }: { shortcuts: readonly Pick<Shortcut, 'keys' | 'does'>[]; onClose(): void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  return (
    <div className="overlay" role="presentation" onClick={onClose}>
      <div className="dialog help" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" data-testid="help-overlay" onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.key === 'Escape' && onClose()}>
        <header className="dialog-head">
          <h2>Keyboard shortcuts</h2>
          <button type="button" ref={close} className="small" onClick={onClose}>
            Close
          </button>
        </header>
        <table className="shortcuts">
          <tbody>
            {shortcuts.map((shortcut) => (
              <tr key={shortcut.keys}>
                <td>
                  <kbd>{showKeys(shortcut.keys)}</kbd>
                </td>
                <td>{shortcut.does}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
