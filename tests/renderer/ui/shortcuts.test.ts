import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { matches, SHORTCUTS, showKeys } from '../../../src/renderer/ui/shortcuts';
import { applyTheme, loadTheme, nextTheme } from '../../../src/renderer/ui/theme';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods });

describe('shortcuts', () => {
  it('mod is Ctrl on Linux and Windows, ⌘ on macOS', () => {
    expect(matches('mod+k', key('k', { ctrlKey: true }), false)).toBe(true);
    expect(matches('mod+k', key('k', { metaKey: true }), false)).toBe(false);
    expect(matches('mod+k', key('K', { metaKey: true }), true)).toBe(true);
    expect(matches('mod+k', key('k'), false)).toBe(false);
  });
  it('plain keys do not fire with a modifier held', () => {
    expect(matches('?', key('?'), false)).toBe(true);
    expect(matches('?', key('?', { ctrlKey: true }), false)).toBe(false);
    expect(matches('ArrowDown', key('ArrowDown', { altKey: true }), false)).toBe(false);
  });
  it('shows keys as an operator reads them', () => {
    expect(showKeys('ArrowDown')).toBe('↓');
    expect(showKeys('g')).toBe('G');
  });
});

describe('theme choice', () => {
  it('is remembered, and "system" leaves the choice to the system', () => {
    const stored = new Map<string, string>();
    const storage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) };
    const root = { dataset: {} as Record<string, string> } as unknown as HTMLElement;
    expect(loadTheme(storage)).toBe('system');
    applyTheme('dark', root, storage);
    expect(root.dataset.theme).toBe('dark');
    expect(loadTheme(storage)).toBe('dark');
    applyTheme('system', root, storage);
    expect(root.dataset.theme).toBeUndefined();
    expect(nextTheme('system')).toBe('light');
    expect(nextTheme('dark')).toBe('system');
  });
  it('falls back to the system when storage is refused', () => {
    expect(loadTheme({ getItem: () => { throw new Error('denied'); } })).toBe('system');
  });
});

describe('the shortcuts list', () => {
  it('is what the README lists, row for row', () => {
    const readme = readFileSync(resolve(__dirname, '../../../README.md'), 'utf8');
    const start = readme.indexOf('| Keys | Does |');
    expect(start).toBeGreaterThan(0);
    const rows = readme
      .slice(start)
      .split('\n')
      .slice(2)
      .filter((line, index, lines) => line.startsWith('|') && lines.slice(0, index).every((before) => before.startsWith('|')))
      .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
    expect(rows.map(([, does]) => does)).toEqual(SHORTCUTS.map((shortcut) => shortcut.does));
    expect(rows.map(([keys]) => keys?.replace(' (⌘ K on macOS)', ''))).toEqual(SHORTCUTS.map((shortcut) => showKeys(shortcut.keys)));
  });
});
