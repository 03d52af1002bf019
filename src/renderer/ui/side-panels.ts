/** Which side panels the operator collapsed; remembered in this browser profile. */
export interface SidePanels {
  things: boolean;
  timeline: boolean;
}

const KEY = 'lab-monitor:collapsed';
export const OPEN_PANELS: SidePanels = { things: false, timeline: false };

export function loadSidePanels(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): SidePanels {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(KEY) ?? 'null');
    if (typeof parsed !== 'object' || parsed === null) return OPEN_PANELS;
    const saved = parsed as Record<string, unknown>;
    return { things: saved['things'] === true, timeline: saved['timeline'] === true };
  } catch {
    return OPEN_PANELS;
  }
}

export function saveSidePanels(panels: SidePanels, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(KEY, JSON.stringify(panels));
  } catch {
    // not remembered, still applied
  }
}

/** The Thing after (or before) the selected one, wrapping around; the first when none is. */
export function stepThing(names: readonly string[], selected: string | null, step: 1 | -1): string | null {
  if (names.length === 0) return null;
  const index = selected === null ? -1 : names.indexOf(selected);
  if (index === -1) return names[step === 1 ? 0 : names.length - 1] ?? null;
  return names[(index + step + names.length) % names.length] ?? null;
}
