import type { LayoutBody, LayoutPanel, LayoutPanelKind, ThingRef } from '../../shared/layout';

/** Where a new panel goes: below everything, full width for wide kinds. */
export function placeNewPanel(body: LayoutBody, kind: LayoutPanel['kind']): Pick<LayoutPanel, 'x' | 'y' | 'w' | 'h'> {
  const bottom = body.panels.reduce((lowest, panel) => Math.max(lowest, panel.y + panel.h), 0);
  const size: Record<LayoutPanel['kind'], [number, number]> = {
    value: [3, 2],
    chart: [12, 6],
    spectrum: [12, 6],
    action: [4, 5],
    properties: [12, 8],
    alarms: [6, 6],
    timeline: [6, 8],
  };
  const [w, h] = size[kind];
  return { x: 0, y: bottom, w, h };
}

const newId = (body: LayoutBody, kind: string): string => {
  let n = body.panels.length + 1;
  while (body.panels.some((panel) => panel.id === `${kind}-${n}`)) n += 1;
  return `${kind}-${n}`;
};

/** Builds the panel the add form describes (undefined while something is missing). */
export function buildPanel(body: LayoutBody, kind: LayoutPanelKind, thing: ThingRef | undefined, names: readonly string[]): LayoutPanel | undefined {
  const place = { id: newId(body, kind), ...placeNewPanel(body, kind) };
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
