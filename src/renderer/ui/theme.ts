/**
 * The theme the operator chose: follow the system, or always light or dark. Remembered in this
 * browser profile (the desktop app has one per user), applied as `data-theme` on the root
 * element, which the stylesheet reads.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];
const KEY = 'lab-monitor:theme';

export function loadTheme(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): ThemeChoice {
  try {
    const saved = storage?.getItem(KEY);
    return saved === 'light' || saved === 'dark' ? saved : 'system';
  } catch {
    return 'system'; // storage refused (private mode): the system's choice
  }
}

export function applyTheme(choice: ThemeChoice, root: HTMLElement = document.documentElement, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  try {
    storage?.setItem(KEY, choice);
  } catch {
    // not remembered, still applied
  }
}

export const nextTheme = (choice: ThemeChoice): ThemeChoice => THEME_CHOICES[(THEME_CHOICES.indexOf(choice) + 1) % THEME_CHOICES.length] as ThemeChoice;
