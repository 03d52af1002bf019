import { useEffect, useRef } from 'react';

/** A keyboard shortcut as the help overlay lists it and the handler matches it. */
export interface Shortcut {
  /** `mod` is Ctrl, or ⌘ on macOS. */
  keys: string;
  does: string;
  run(event: KeyboardEvent): void;
  /** Also when typing in a field (the palette's Ctrl+K); plain keys never fire there. */
  inFields?: boolean;
}

/**
 * Every keyboard shortcut of the window, as the help overlay (and the README) lists them. The
 * app binds each `id` to what it does; `listed` ones are handled where they apply (the Thing
 * list's arrow keys, Escape in a dialog).
 */
export const SHORTCUTS = [
  { id: 'palette', keys: 'mod+k', does: 'Command palette: go to a Thing, property, action or layout; run an action (opens its form); add a property to a chart; acknowledge alarms; show or hide panels; switch theme', inFields: true },
  { id: 'help', keys: '?', does: 'Show these shortcuts' },
  { id: 'things', keys: '[', does: 'Show or hide the Thing list' },
  { id: 'timeline', keys: ']', does: 'Show or hide the timeline' },
  { id: 'theme', keys: 't', does: 'Switch theme: system, light, dark (also in the header menu ⋯; remembered)' },
  { id: 'next', keys: 'j', does: 'Next Thing' },
  { id: 'previous', keys: 'k', does: 'Previous Thing' },
  { id: 'list', keys: 'ArrowDown', does: 'In the Thing list: next Thing (↑ previous)', listed: true },
  { id: 'close', keys: 'Escape', does: 'Close the palette or a dialog', listed: true },
] as const satisfies readonly { id: string; keys: string; does: string; inFields?: boolean; listed?: boolean }[];

export type ShortcutId = Exclude<(typeof SHORTCUTS)[number], { listed: true }>['id'];

/** The shortcuts with what each does here. */
export function bindShortcuts(run: Record<ShortcutId, (event: KeyboardEvent) => void>): Shortcut[] {
  return SHORTCUTS.flatMap((shortcut) =>
    'listed' in shortcut ? [] : [{ keys: shortcut.keys, does: shortcut.does, run: run[shortcut.id], inFields: 'inFields' in shortcut ? shortcut.inFields : undefined }],
  );
}

const isMac = (): boolean => /Mac|iPhone|iPad/.test(globalThis.navigator?.platform ?? '');
export const modLabel = (): string => (isMac() ? '⌘' : 'Ctrl');

/** Whether a key event is the chord `keys` ("mod+k", "?", "ArrowDown", "g o"). */
export function matches(keys: string, event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'>, mac = isMac()): boolean {
  const parts = keys.split('+');
  const key = parts.at(-1) ?? '';
  const wantsMod = parts.includes('mod');
  const hasMod = mac ? event.metaKey : event.ctrlKey;
  if (wantsMod !== hasMod || event.altKey) return false;
  return event.key.toLowerCase() === key.toLowerCase();
}

const typing = (target: EventTarget | null): boolean => {
  const element = target as HTMLElement | null;
  if (!element || typeof element.tagName !== 'string') return false;
  return element.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName);
};

/** Listens on the window for the given shortcuts while mounted; the latest list is used. */
export function useShortcuts(shortcuts: readonly Shortcut[]): void {
  const current = useRef(shortcuts);
  useEffect(() => {
    current.current = shortcuts;
  }, [shortcuts]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const inField = typing(event.target);
      for (const shortcut of current.current) {
        if (inField && !shortcut.inFields) continue;
        if (!matches(shortcut.keys, event)) continue;
        event.preventDefault();
        shortcut.run(event);
        return;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** "mod+k" → "Ctrl K" (or "⌘ K"), for the help overlay. */
export const showKeys = (keys: string): string =>
  keys
    .split('+')
    .map((part) => (part === 'mod' ? modLabel() : part === 'ArrowUp' ? '↑' : part === 'ArrowDown' ? '↓' : part.length === 1 ? part.toUpperCase() : part))
    .join(' ');
