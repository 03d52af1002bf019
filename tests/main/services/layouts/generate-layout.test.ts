import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MessageBroker } from '../../../../src/main/core/broker';
import { actionRows, generateLayout, propertiesRows, rowsFor } from '../../../../src/main/services/layouts/generate-layout';
import { loadInstrumentConfig } from '../../../../src/main/things/instrument-config';
import { createSimulatedThings } from '../../../../src/main/things/simulated-things';
import { LayoutBody, MAX_PANEL_ROWS, type LayoutPanel } from '../../../../src/shared/layout';
import type { ActionAffordance, ThingDescription } from '../../../../src/shared/model';

/** The Thing Descriptions of every simulated kind the shipped configuration lists. */
function shippedTds(): ThingDescription[] {
  const config = loadInstrumentConfig(JSON.parse(readFileSync(resolve(__dirname, '../../../../config/instruments.json'), 'utf8')));
  return createSimulatedThings(config, new MessageBroker()).map((thing) => thing.describe());
}

const overlaps = (a: LayoutPanel, b: LayoutPanel): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const action = (fields: number, description = ''): ActionAffordance => ({
  description,
  forms: [],
  input: { type: 'object', properties: Object.fromEntries(Array.from({ length: fields }, (_, i) => [`f${i}`, { type: 'number', minimum: 0, maximum: 10 }])) },
});

describe('generated layouts', () => {
  it('an instrument describing a huge action still gets a layout that fits the schema', () => {
    const huge: ThingDescription = {
      title: 'Huge',
      properties: { t: { type: 'number', readOnly: true, forms: [] } },
      actions: { configure: action(60, 'd'.repeat(5000)) },
    } as unknown as ThingDescription;
    expect(actionRows(action(60, 'd'.repeat(5000)))).toBe(MAX_PANEL_ROWS);
    expect(LayoutBody.safeParse(generateLayout(huge)).success).toBe(true);
  });

  it('size an action card by its inputs and a property table by its rows', () => {
    expect(actionRows(action(3))).toBeGreaterThan(actionRows(action(1)));
    expect(actionRows(action(1, 'x'.repeat(200)))).toBeGreaterThan(actionRows(action(1)));
    expect(actionRows({ forms: [] })).toBeGreaterThanOrEqual(2);
    const row = { type: 'number' as const, forms: [] };
    expect(propertiesRows([['a', row], ['b', row], ['c', row], ['d', row], ['e', row], ['f', row]])).toBeGreaterThan(propertiesRows([['a', row]]));
    // A spectrum row holds a plot.
    expect(propertiesRows([['s', { type: 'array', forms: [] }]])).toBeGreaterThan(propertiesRows([['a', row]]));
    // Rows of 44 px, 10 px apart, with a title bar: 260 px of content need six rows (314 px).
    expect(rowsFor(260)).toBe(6);
  });

  it('give every simulated kind its values, a chart of what it measures, its actions and its table, without overlaps', () => {
    const tds = shippedTds();
    expect(tds.map((td) => td.title).length).toBeGreaterThanOrEqual(5);
    for (const td of tds) {
      const { panels } = generateLayout(td);
      for (const [index, panel] of panels.entries()) {
        expect(panel.x + panel.w, `${td.title} ${panel.id}`).toBeLessThanOrEqual(12);
        for (const other of panels.slice(index + 1)) expect(overlaps(panel, other), `${td.title}: ${panel.id} overlaps ${other.id}`).toBe(false);
      }
      const actions = panels.filter((panel) => panel.kind === 'action').map((panel) => (panel.kind === 'action' ? panel.action : ''));
      expect(actions).toEqual(Object.keys(td.actions).slice(0, 6));
      // Actions of one row share a height: the tallest form's.
      for (const panel of panels) {
        if (panel.kind !== 'action') continue;
        const fields = Object.keys(td.actions[panel.action]?.input?.properties ?? {}).length;
        expect(panel.h, `${td.title} ${panel.action}`).toBeGreaterThanOrEqual(actionRows(td.actions[panel.action] ?? { forms: [] }));
        expect(panel.h).toBeGreaterThanOrEqual(fields > 0 ? 5 : 3);
      }
      expect(panels.filter((panel) => panel.kind === 'properties')).toHaveLength(1);
    }
  });

  it('chart a setpoint beside what it sets, and no constants', () => {
    const tds = Object.fromEntries(shippedTds().map((td) => [td.title.split(' ')[0], td]));
    const seriesOf = (td: ThingDescription | undefined) => {
      const chart = generateLayout(td as ThingDescription).panels.find((panel) => panel.kind === 'chart');
      return chart?.kind === 'chart' ? chart.series.map((series) => series.property) : [];
    };
    expect(seriesOf(tds['Temperature'])).toEqual(['temperature', 'setpoint', 'heaterPower']);
    expect(seriesOf(tds['Motorised'])).toEqual(['x', 'y', 'z']);
    // The spectrometer's numbers are settings and constants: its spectrum is its plot.
    expect(seriesOf(tds['Spectrometer'])).toEqual([]);
    const spectrometer = generateLayout(tds['Spectrometer'] as ThingDescription).panels.map((panel) => panel.kind);
    expect(spectrometer).toContain('spectrum');
    // Key values: what is measured first.
    const psu = generateLayout(tds['Bench'] as ThingDescription).panels.filter((panel) => panel.kind === 'value');
    expect(psu.map((panel) => (panel.kind === 'value' ? panel.property : ''))).toEqual(['voltage', 'current', 'voltageSetpoint', 'currentLimit']);
  });
});
