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
