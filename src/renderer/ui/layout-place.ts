import type { LayoutBody, LayoutPanel } from '../../shared/layout';

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
