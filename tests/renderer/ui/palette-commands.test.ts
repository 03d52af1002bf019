import { describe, expect, it } from 'vitest';
import type { LayoutBody } from '../../../src/shared/layout';
import type { ThingDescription, ThingSummary } from '../../../src/shared/model';
import { addToChart, paletteItems } from '../../../src/renderer/ui/palette-commands';
import { rankPalette } from '../../../src/renderer/ui/palette-search';

const thermo: ThingSummary = { name: 'thermo', title: 'Temperature controller', source: 'simulated', connection: { status: 'connected', since: '2026-01-01T00:00:00.000Z' } } as ThingSummary;
const td = {
  title: 'Temperature controller',
  properties: { temperature: { type: 'number', unit: 'degC', readOnly: true }, mode: { type: 'string' } },
  actions: { rampTo: { title: 'Ramp to temperature' } },
} as unknown as ThingDescription;

describe('palette items', () => {
  it('offers the Thing, its properties, its actions, charting numbers, named layouts and commands', () => {
    const items = paletteItems([thermo], { thermo: td }, [
      { id: 'bench', forType: null, saved: { name: 'Bench', panels: [] }, working: null, savedAt: '2026-01-01T00:00:00.000Z' },
      { id: 'tpl', forType: 'simulated:thermo', saved: { name: 'T', panels: [] }, working: null, savedAt: '2026-01-01T00:00:00.000Z' },
    ], true);
    const ids = items.map((entry) => entry.id);
    expect(ids).toEqual(expect.arrayContaining(['thing-thermo', 'property-thermo-temperature', 'action-thermo-rampTo', 'chart-thermo-temperature', 'layout-bench', 'command-help']));
    // Strings do not chart; templates are reached through their Things.
    expect(ids).not.toContain('chart-thermo-mode');
    expect(ids).not.toContain('layout-tpl');
    expect(rankPalette(items, 'ramp')[0]?.move).toEqual({ to: 'action', thing: 'thermo', action: 'rampTo' });
  });

  it('offers no changes to a viewer', () => {
    const ids = paletteItems([thermo], { thermo: td }, [], false).map((entry) => entry.id);
    expect(ids).not.toContain('chart-thermo-temperature');
    expect(ids).not.toContain('command-new-layout');
  });
});

describe('addToChart', () => {
  const empty: LayoutBody = { name: 'L', panels: [{ id: 'v', kind: 'value', thing: { self: true }, property: 'temperature', x: 0, y: 0, w: 3, h: 2 }] };

  it('makes a chart below everything when there is none, then adds to it once', () => {
    const one = addToChart(empty, { self: true }, 'temperature');
    const chart = one.panels[1];
    expect(chart).toMatchObject({ kind: 'chart', y: 2, w: 12, series: [{ thing: { self: true }, property: 'temperature' }] });
    const two = addToChart(one, { name: 'stage', id: 'urn:stage' }, 'x');
    expect(two.panels).toHaveLength(2);
    expect(two.panels[1]).toMatchObject({ series: [{ property: 'temperature' }, { thing: { name: 'stage', id: 'urn:stage' }, property: 'x' }] });
    expect(addToChart(two, { self: true }, 'temperature')).toBe(two);
  });
});
