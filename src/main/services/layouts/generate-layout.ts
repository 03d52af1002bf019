import type { LayoutBody, LayoutPanel } from '../../../shared/layout';
import type { ActionAffordance, DataSchema, PropertyAffordance, ThingDescription } from '../../../shared/model';

/**
 * Grid geometry the renderer draws with (LayoutGrid): a row is 44 px, panels 10 px apart, so a
 * panel of h rows is 54·h − 10 px high; its title bar and padding take 38 px of that.
 */
const ROW_PX = 44;
const GAP_PX = 10;
const CHROME_PX = 38;
/** Characters of 13 px text on one line of a panel four columns wide (about 230 px). */
const CHARS_PER_LINE = 32;
const LINE_PX = 19;

const isNumeric = (schema: { type?: unknown }): boolean => schema.type === 'number' || schema.type === 'integer';
const linesOf = (text: string | undefined, perLine = CHARS_PER_LINE): number => (text ? Math.ceil(text.length / perLine) : 0);

/** Rows a panel needs to show `contentPx` of content without scrolling. */
export function rowsFor(contentPx: number): number {
  return Math.max(2, Math.ceil((contentPx + CHROME_PX + GAP_PX) / (ROW_PX + GAP_PX)));
}

/** The inputs an action's form shows: one per property of an object input, one for any other input. */
function inputsOf(action: ActionAffordance): [string, DataSchema][] {
  const input = action.input;
  if (!input) return [];
  if (input.type === 'object' || input.properties) return Object.entries(input.properties ?? {});
  return [['input', input]];
}

/** The height of an action card (title, description, one labelled input with its help per field, Run). */
export function actionRows(action: ActionAffordance): number {
  const title = 26;
  const description = action.description && action.description !== action.title ? linesOf(action.description) * LINE_PX + 4 : 0;
  const fields = inputsOf(action).reduce((sum, [, schema]) => {
    const hasHint = schema.minimum !== undefined || schema.maximum !== undefined || schema.default !== undefined || schema.enum !== undefined;
    const help = linesOf(schema.description, 36) + (hasHint ? 1 : 0);
    return sum + 17 + 30 + help * 15 + 10;
  }, 0);
  const run = 40;
  return rowsFor(title + description + fields + run + 24);
}

/** The height of a property table: its head, a row per property, a plot per spectrum. */
export function propertiesRows(properties: readonly [string, PropertyAffordance][]): number {
  const rows = properties.reduce((sum, [name, schema]) => {
    // Title, name and "alarm rules" in the first column; a long title takes two lines there.
    const title = (schema.title ?? name).length > 14 ? 20 : 0;
    return sum + (schema.type === 'array' ? 190 : 66) + title;
  }, 0);
  return rowsFor(36 + rows + 16);
}

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
