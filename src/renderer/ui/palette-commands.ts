import type { LayoutBody, LayoutPanel, ThingRef } from '../../shared/layout';
import type { Layout } from '../../shared/layout';
import type { ThingDescription, ThingSummary } from '../../shared/model';
import { placeNewPanel } from './layout-place';
import type { PaletteEntry } from './palette-search';

/** What choosing a palette entry does (App turns it into a run function). */
export type PaletteMove =
  | { to: 'thing'; thing: string }
  | { to: 'property'; thing: string; property: string }
  | { to: 'action'; thing: string; action: string }
  | { to: 'layout'; id: string }
  | { to: 'chart'; thing: string; property: string }
  | { to: 'command'; command: 'help' | 'theme' | 'things' | 'timeline' | 'new-layout' | 'alarms' | 'acknowledge-alarms' };

export interface PaletteItem extends PaletteEntry {
  move: PaletteMove;
}

const isNumeric = (schema: { type?: unknown }): boolean => schema.type === 'number' || schema.type === 'integer';

/** Everything the palette offers for the Things, TDs and layouts known now. */
export function paletteItems(
  things: readonly ThingSummary[],
  tds: Readonly<Record<string, ThingDescription>>,
  layouts: readonly Layout[],
  canEdit: boolean,
  /** Alarms waiting for an acknowledgement. */
  unacknowledged = 0,
): PaletteItem[] {
  const items: PaletteItem[] = [];
  for (const thing of things) {
    items.push({ id: `thing-${thing.name}`, kind: 'thing', label: thing.title, detail: thing.name, keywords: [thing.name], move: { to: 'thing', thing: thing.name } });
    const td = tds[thing.name];
    if (!td) continue;
    for (const [property, schema] of Object.entries(td.properties)) {
      items.push({
        id: `property-${thing.name}-${property}`,
        kind: 'property',
        label: `${thing.name} · ${property}`,
        detail: schema.title ?? schema.unit,
        keywords: [thing.title, schema.title ?? property],
        move: { to: 'property', thing: thing.name, property },
      });
      if (canEdit && isNumeric(schema) && schema.writeOnly !== true) {
        items.push({
          id: `chart-${thing.name}-${property}`,
          kind: 'command',
          label: `Add ${thing.name} · ${property} to a chart`,
          keywords: [thing.title, 'chart', 'plot'],
          move: { to: 'chart', thing: thing.name, property },
        });
      }
    }
    for (const [action, schema] of Object.entries(td.actions)) {
      items.push({
        id: `action-${thing.name}-${action}`,
        kind: 'action',
        label: `Run ${action} on ${thing.name}`,
        detail: schema.title,
        keywords: [thing.title, action],
        move: { to: 'action', thing: thing.name, action },
      });
    }
  }
  for (const layout of layouts) {
    if (layout.forType !== null) continue;
    items.push({ id: `layout-${layout.id}`, kind: 'layout', label: layout.saved.name, detail: 'layout', move: { to: 'layout', id: layout.id } });
  }
  const commands: [PaletteMove & { to: 'command' }, string, string][] = [
    [{ to: 'command', command: 'help' }, 'Show keyboard shortcuts', '?'],
    [{ to: 'command', command: 'theme' }, 'Switch theme (system, light, dark)', 'T'],
    [{ to: 'command', command: 'things' }, 'Show or hide the Thing list', '['],
    [{ to: 'command', command: 'timeline' }, 'Show or hide the timeline', ']'],
  ];
  if (canEdit) commands.push([{ to: 'command', command: 'new-layout' }, 'New layout', '']);
  commands.push([{ to: 'command', command: 'alarms' }, 'Open the alarm list', '']);
  if (unacknowledged > 0) commands.push([{ to: 'command', command: 'acknowledge-alarms' }, `Acknowledge all alarms (${unacknowledged})`, '']);
  for (const [move, label, detail] of commands) items.push({ id: `command-${move.command}`, kind: 'command', label, detail, move });
  return items;
}

/**
 * The body with `property` of `thing` added to its first chart (once), or to a new chart
 * below everything when it has none.
 */
export function addToChart(body: LayoutBody, thing: ThingRef, property: string): LayoutBody {
  const same = (ref: ThingRef): boolean => JSON.stringify(ref) === JSON.stringify(thing);
  const index = body.panels.findIndex((panel) => panel.kind === 'chart' && panel.series.length < 16);
  const chart = body.panels[index];
  if (chart?.kind === 'chart') {
    if (chart.series.some((series) => same(series.thing) && series.property === property)) return body;
    const panels = [...body.panels];
    panels[index] = { ...chart, series: [...chart.series, { thing, property }] };
    return { ...body, panels };
  }
  let n = body.panels.length + 1;
  while (body.panels.some((panel) => panel.id === `chart-${n}`)) n += 1;
  const panel: LayoutPanel = { id: `chart-${n}`, kind: 'chart', series: [{ thing, property }], window: '10m', ...placeNewPanel(body, 'chart') };
  return { ...body, panels: [...body.panels, panel] };
}
