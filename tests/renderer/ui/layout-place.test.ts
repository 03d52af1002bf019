import { describe, expect, it } from 'vitest';
import type { LayoutPanel } from '../../../src/shared/layout';
import { buildPanel, placeNewPanel, stackPanels } from '../../../src/renderer/ui/layout-place';
import { actionRows, sizedToContent } from '../../../src/shared/layout-size';
import type { ThingDescription } from '../../../src/shared/model';

const panel = (id: string, kind: LayoutPanel['kind'], x: number, y: number, h: number) => ({ id, kind, x, y, h });

describe('panels on a narrow screen', () => {
  it('stack in reading order, value tiles two a row, the rest full width, each keeping its height', () => {
    const stacked = stackPanels([
      panel('chart', 'chart', 0, 2, 8),
      panel('v2', 'value', 3, 0, 2),
      panel('v1', 'value', 0, 0, 2),
      panel('v3', 'value', 6, 0, 3),
      panel('a2', 'action', 4, 10, 6),
      panel('a1', 'action', 0, 10, 6),
    ]);
    expect(stacked).toEqual([
      { i: 'v1', x: 0, y: 0, w: 6, h: 2 },
      { i: 'v2', x: 6, y: 0, w: 6, h: 2 },
      { i: 'v3', x: 0, y: 2, w: 6, h: 3 },
      { i: 'chart', x: 0, y: 5, w: 12, h: 8 },
      { i: 'a1', x: 0, y: 13, w: 12, h: 6 },
      { i: 'a2', x: 0, y: 19, w: 12, h: 6 },
    ]);
  });

  it('never places two panels on each other', () => {
    const kinds: LayoutPanel['kind'][] = ['value', 'chart', 'value', 'value', 'action', 'value', 'properties'];
    const stacked = stackPanels(kinds.map((kind, index) => panel(`p${index}`, kind, (index * 3) % 12, index, 1 + (index % 3))));
    for (const [index, a] of stacked.entries()) {
      for (const b of stacked.slice(index + 1)) expect(a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h).toBe(false);
    }
  });
});

describe('a new panel', () => {
  const value = (id: string, x: number, y: number): LayoutPanel => ({ id, kind: 'value', thing: { name: 'psu' }, property: 'voltage', x, y, w: 3, h: 2 });

  it('goes beside the panels of a row with room, else below everything', () => {
    expect(placeNewPanel({ name: 'L', panels: [] }, 'value')).toEqual({ x: 0, y: 0, w: 3, h: 2 });
    expect(placeNewPanel({ name: 'L', panels: [value('a', 0, 0)] }, 'value')).toEqual({ x: 3, y: 0, w: 3, h: 2 });
    expect(placeNewPanel({ name: 'L', panels: [value('a', 0, 0)] }, 'chart')).toEqual({ x: 0, y: 2, w: 12, h: 8 });
    const full = [0, 3, 6, 9].map((x, index) => value(`v${index}`, x, 0));
    expect(placeNewPanel({ name: 'L', panels: full }, 'value')).toEqual({ x: 0, y: 2, w: 3, h: 2 });
  });

  it('is as tall as its form or its table', () => {
    const td = {
      title: 'Stage',
      properties: Object.fromEntries(['x', 'y', 'z', 'speed', 'moving'].map((name) => [name, { type: 'number', forms: [] }])),
      actions: { moveTo: { forms: [], input: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' }, z: { type: 'number' } } } } },
    } as unknown as ThingDescription;
    const body = { name: 'L', panels: [] };
    const action = buildPanel(body, 'action', { name: 'stage' }, ['moveTo']);
    expect(action && sizedToContent(action, td).h).toBe(actionRows(td.actions['moveTo'] ?? { forms: [] }));
    const table = buildPanel(body, 'properties', { name: 'stage' }, []);
    expect(table && sizedToContent(table, td).h).toBeGreaterThan(5);
    expect(buildPanel(body, 'action', { name: 'stage' }, ['moveTo'], { h: 9 })?.h).toBe(9);
  });
});
