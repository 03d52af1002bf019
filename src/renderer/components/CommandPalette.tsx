import { useEffect, useMemo, useRef, useState } from 'react';
import { rankPalette, type PaletteEntry } from '../ui/palette-search';

export interface PaletteCommand extends PaletteEntry {
  run(): void;
}

/**
 * Ctrl+K / ⌘K: type to find a Thing, property, action, layout or command; ↑ ↓ to choose,
 * Enter to go, Escape to close.
 */
export function CommandPalette({ commands, onClose }: { commands: readonly PaletteCommand[]; onClose(): void }) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const shown = useMemo(() => rankPalette(commands, query, 40), [commands, query]);
  useEffect(() => input.current?.focus(), []);

  const choose = (command: PaletteCommand | undefined): void => {
    if (!command) return;
    onClose();
    command.run();
  };
  const onKeyDown = (event: React.KeyboardEvent): void => {
    if (event.key === 'Escape') onClose();
    else if (event.key === 'ArrowDown') setActive((index) => Math.min(index + 1, shown.length - 1));
    else if (event.key === 'ArrowUp') setActive((index) => Math.max(index - 1, 0));
    else if (event.key === 'Enter') choose(shown[active]);
    else return;
    event.preventDefault();
  };

  return (
    <div className="overlay" role="presentation" onClick={onClose}>
      <div className="dialog palette" role="dialog" aria-modal="true" aria-label="Command palette" data-testid="palette" onClick={(event) => event.stopPropagation()}>
        <input
          ref={input}
          type="search"
          value={query}
          placeholder="Go to a Thing, property, action or layout; run a command…"
          aria-label="Search commands"
          aria-controls="palette-list"
          aria-activedescendant={shown[active] ? `palette-${shown[active].id}` : undefined}
          data-testid="palette-input"
          onChange={(event) => {
            setQuery(event.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
        <ul id="palette-list" role="listbox" className="palette-list">
          {shown.length === 0 && <li className="muted palette-empty">Nothing matches “{query}”.</li>}
          {shown.map((command, index) => (
            <li
              key={command.id}
              id={`palette-${command.id}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'palette-item active' : 'palette-item'}
              data-testid={`palette-item-${command.id}`}
              onMouseEnter={() => setActive(index)}
              onClick={() => choose(command)}
            >
              <span className={`palette-kind kind-${command.kind}`}>{command.kind}</span>
              <span className="palette-label">{command.label}</span>
              {command.detail && <span className="muted palette-detail">{command.detail}</span>}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
