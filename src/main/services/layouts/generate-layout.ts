import type { LayoutBody, LayoutPanel } from '../../../shared/layout';
import { actionRows, propertiesRows } from '../../../shared/layout-size';
import type { ThingDescription } from '../../../shared/model';

export { actionRows, propertiesRows, rowsFor } from '../../../shared/layout-size';

const isNumeric = (schema: { type?: unknown }): boolean => schema.type === 'number' || schema.type === 'integer';

/** An axis range of a spectrum (wavelengthStart/End and the like): not worth a chart of its own. */
const isRangeEnd = (name: string): boolean => /(start|end|min|max|first|last)$/i.test(name);

/**
 * The first screen of a new Thing type, sized so every control shows without scrolling: its key
 * values (the first numeric properties, observable ones first), one chart of what it measures
 * (and the settings in the same units, a setpoint beside its temperature), its spectrum, its
 * actions (three a row, each as tall as its form) and its property table.
 */
export function generateLayout(td: ThingDescription): LayoutBody {
  const self = { self: true } as const;
  const properties = Object.entries(td.properties ?? {});
  const numeric = properties.filter(([, schema]) => isNumeric(schema) && schema.writeOnly !== true);
  const observed = numeric.filter(([, schema]) => schema.observable !== false);
  // What it measures first, then its settings, then constants.
  const measuredFirst = [...observed.filter(([, schema]) => schema.readOnly === true), ...observed.filter(([, schema]) => schema.readOnly !== true)];
  const keyValues = [...measuredFirst, ...numeric.filter((entry) => !observed.includes(entry))].slice(0, 4).map(([name]) => name);
  const panels: LayoutPanel[] = [];
  let y = 0;
  keyValues.forEach((property, index) => {
    panels.push({ id: `value-${property}`, kind: 'value', thing: self, property, x: index * 3, y, w: 3, h: 2 });
  });
  if (panels.length > 0) y += 2;

  const measured = observed.filter(([name, schema]) => schema.readOnly === true && !isRangeEnd(name));
  const units = new Set(measured.map(([, schema]) => schema.unit ?? ''));
  const settings = observed.filter(([name, schema]) => schema.readOnly !== true && !isRangeEnd(name) && units.has(schema.unit ?? ''));
  // At most two units: one axis on each side.
  const axes = [...new Set([...measured, ...settings].map(([, schema]) => schema.unit ?? ''))].slice(0, 2);
  const charted = [...measured, ...settings].filter(([, schema]) => axes.includes(schema.unit ?? '')).slice(0, 6);
  // In declaration order: a setpoint next to what it sets.
  const series = properties.filter((entry) => charted.includes(entry)).map(([property]) => ({ thing: self, property }));
  if (series.length > 0) {
    panels.push({ id: 'chart', kind: 'chart', series, window: '10m', x: 0, y, w: 12, h: 8 });
    y += 8;
  }
  const spectra = properties.filter(([, schema]) => schema.type === 'array').map(([name]) => name);
  for (const property of spectra.slice(0, 1)) {
    panels.push({ id: `spectrum-${property}`, kind: 'spectrum', thing: self, property, x: 0, y, w: 12, h: 6 });
    y += 6;
  }
  const actions = Object.entries(td.actions ?? {}).slice(0, 6);
  for (let row = 0; row * 3 < actions.length; row += 1) {
    const inRow = actions.slice(row * 3, row * 3 + 3);
    const h = Math.max(...inRow.map(([, action]) => actionRows(action)));
    inRow.forEach(([action], index) => panels.push({ id: `action-${action}`, kind: 'action', thing: self, action, x: index * 4, y, w: 4, h }));
    y += h;
  }
  panels.push({ id: 'properties', kind: 'properties', thing: self, x: 0, y, w: 12, h: Math.min(100, propertiesRows(properties)) });
  return { name: td.title, panels };
}
