import { MAX_PANEL_ROWS, type LayoutPanel } from './layout';
import type { ActionAffordance, DataSchema, PropertyAffordance, ThingDescription } from './model';

/**
 * Grid geometry the renderer draws with (LayoutGrid): a row is 44 px, panels 10 px apart, so a
 * panel of h rows is 54·h − 10 px high; its title bar and padding take 38 px of that.
 */
export const ROW_PX = 44;
export const GAP_PX = 10;
const CHROME_PX = 38;
/** Characters of 13 px text on one line of a panel four columns wide (about 230 px). */
const CHARS_PER_LINE = 32;
const LINE_PX = 19;

const linesOf = (text: string | undefined, perLine = CHARS_PER_LINE): number => (text ? Math.ceil(text.length / perLine) : 0);

/** Rows a panel needs to show `contentPx` of content without scrolling; never more than a panel may have (it scrolls then). */
export function rowsFor(contentPx: number): number {
  return Math.min(MAX_PANEL_ROWS, Math.max(2, Math.ceil((contentPx + CHROME_PX + GAP_PX) / (ROW_PX + GAP_PX))));
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

/** A panel as tall as what it shows needs (an action's form, a property table); others as they are. */
export function sizedToContent<P extends LayoutPanel>(panel: P, td: ThingDescription | undefined): P {
  if (!td) return panel;
  if (panel.kind === 'action') {
    const action = td.actions[panel.action];
    return action ? { ...panel, h: actionRows(action) } : panel;
  }
  if (panel.kind === 'properties') return { ...panel, h: propertiesRows(Object.entries(td.properties)) };
  return panel;
}
