import { LAYOUT_COLUMNS, type LayoutBody, type LayoutPanel, type LayoutPanelKind, type ThingRef } from '../../shared/layout';

/** The size a new panel of a kind starts with (columns, rows). */
export const NEW_PANEL_SIZE: Record<LayoutPanel['kind'], [number, number]> = {
  value: [3, 2],
  chart: [12, 8],
  spectrum: [12, 6],
  action: [4, 6],
  properties: [12, 8],
  alarms: [6, 6],
  timeline: [6, 8],
};

/**
 * Where a new panel goes: the first place, row by row from the top, left to right, where it
 * fits beside the panels there (a value tile goes next to the last one), else below everything.
 */
export function placeNewPanel(body: LayoutBody, kind: LayoutPanel['kind'], size?: { w?: number; h?: number }): Pick<LayoutPanel, 'x' | 'y' | 'w' | 'h'> {
  const [defaultW, defaultH] = NEW_PANEL_SIZE[kind];
  const w = Math.min(LAYOUT_COLUMNS, size?.w ?? defaultW);
  const h = size?.h ?? defaultH;
  const bottom = body.panels.reduce((lowest, panel) => Math.max(lowest, panel.y + panel.h), 0);
  const free = (x: number, y: number): boolean =>
    body.panels.every((panel) => x + w <= panel.x || panel.x + panel.w <= x || y + h <= panel.y || panel.y + panel.h <= y);
  for (let y = 0; y < bottom; y += 1) {
    for (let x = 0; x + w <= LAYOUT_COLUMNS; x += 1) if (free(x, y)) return { x, y, w, h };
  }
  return { x: 0, y: bottom, w, h };
}

const newId = (body: LayoutBody, kind: string): string => {
  let n = body.panels.length + 1;
  while (body.panels.some((panel) => panel.id === `${kind}-${n}`)) n += 1;
  return `${kind}-${n}`;
};

/** Builds the panel the add form describes (undefined while something is missing). */
export function buildPanel(body: LayoutBody, kind: LayoutPanelKind, thing: ThingRef | undefined, names: readonly string[], size?: { h?: number }): LayoutPanel | undefined {
  const place = { id: newId(body, kind), ...placeNewPanel(body, kind, size) };
  const first = names[0];
  switch (kind) {
    case 'alarms':
    case 'timeline':
      return { ...place, kind };
    case 'properties':
      return thing ? { ...place, kind, thing } : undefined;
    case 'chart':
      return thing && names.length > 0 ? { ...place, kind, series: names.map((property) => ({ thing, property })), window: '10m' } : undefined;
    case 'value':
    case 'spectrum':
      return thing && first !== undefined ? { ...place, kind, thing, property: first } : undefined;
    case 'action':
      return thing && first !== undefined ? { ...place, kind, thing, action: first } : undefined;
  }
}


/** Below this width of the grid, panels stack (value tiles two a row) instead of keeping their places. */
export const NARROW_GRID_PX = 640;

/**
 * Where panels go on a narrow screen: in reading order (top to bottom, left to right), value
 * tiles two a row, everything else the full width, each as tall as the operator made it.
 */
export function stackPanels(panels: readonly Pick<LayoutPanel, 'id' | 'kind' | 'x' | 'y' | 'h'>[]): { i: string; x: number; y: number; w: number; h: number }[] {
  const sorted = [...panels].sort((a, b) => a.y - b.y || a.x - b.x);
  const placed: { i: string; x: number; y: number; w: number; h: number }[] = [];
  let y = 0;
  let half: { y: number; h: number } | undefined;
  for (const panel of sorted) {
    if (panel.kind === 'value') {
      if (half === undefined) {
        placed.push({ i: panel.id, x: 0, y, w: 6, h: panel.h });
        half = { y, h: panel.h };
      } else {
        placed.push({ i: panel.id, x: 6, y: half.y, w: 6, h: panel.h });
        y = half.y + Math.max(half.h, panel.h);
        half = undefined;
      }
      continue;
    }
    if (half !== undefined) {
      y = half.y + half.h;
      half = undefined;
    }
    placed.push({ i: panel.id, x: 0, y, w: 12, h: panel.h });
    y += panel.h;
  }
  return placed;
}
