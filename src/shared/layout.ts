import { z } from 'zod';

/**
 * Layouts: the operator's arrangement of panels on a grid, kept as versioned JSON in the user's
 * data folder by the main process and shared by every window and browser client.
 *
 * A panel refers to a Thing by a stable identity: the Thing Description's `id` when it has one
 * (it survives renames and host prefixes), else its name. In a type's template the Thing is
 * `{ self: true }`: whichever Thing of that type the layout is shown for.
 */

export const LAYOUT_VERSION = 2;
/** Grid columns; panels place themselves in these units (rows are a fixed height). */
export const LAYOUT_COLUMNS = 12;

const name = z.string().min(1).max(200);

export const ThingRef = z.union([
  z.strictObject({ self: z.literal(true) }),
  z.strictObject({ name, id: z.string().max(500).optional() }),
]);
export type ThingRef = z.infer<typeof ThingRef>;

/** The tallest a panel may be, in grid rows. */
export const MAX_PANEL_ROWS = 100;

const place = {
  /** Stable within its layout. */
  id: z.string().min(1).max(100),
  x: z.number().int().min(0).max(LAYOUT_COLUMNS - 1),
  y: z.number().int().min(0).max(10_000),
  w: z.number().int().min(1).max(LAYOUT_COLUMNS),
  h: z.number().int().min(1).max(MAX_PANEL_ROWS),
  title: z.string().max(200).optional(),
};

export const ChartWindow = z.enum(['1m', '10m', '1h', '8h', '24h']);
export type ChartWindow = z.infer<typeof ChartWindow>;

export const LayoutPanel = z.discriminatedUnion('kind', [
  z.strictObject({ ...place, kind: z.literal('value'), thing: ThingRef, property: name }),
  z.strictObject({
    ...place,
    kind: z.literal('chart'),
    series: z.array(z.strictObject({ thing: ThingRef, property: name })).max(16),
    window: ChartWindow.default('10m'),
  }),
  z.strictObject({ ...place, kind: z.literal('spectrum'), thing: ThingRef, property: name }),
  z.strictObject({ ...place, kind: z.literal('action'), thing: ThingRef, action: name }),
  z.strictObject({ ...place, kind: z.literal('properties'), thing: ThingRef }),
  z.strictObject({ ...place, kind: z.literal('alarms') }),
  z.strictObject({ ...place, kind: z.literal('timeline') }),
]);
export type LayoutPanel = z.infer<typeof LayoutPanel>;
export type LayoutPanelKind = LayoutPanel['kind'];

/** The content of one layout (what Save, Revert, import and export move around). */
export const LayoutBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  panels: z.array(LayoutPanel).max(100),
});
export type LayoutBody = z.infer<typeof LayoutBody>;

/**
 * One named layout: the saved copy, and the working copy the operator is editing (null when
 * there are no unsaved changes). `forType` marks a Thing type's template.
 */
export const Layout = z.strictObject({
  id: z.string().min(1).max(100),
  forType: z.string().max(500).nullable(),
  saved: LayoutBody,
  working: LayoutBody.nullable(),
  /** ISO 8601 UTC: when the saved copy last changed. */
  savedAt: z.string(),
});
export type Layout = z.infer<typeof Layout>;

/** The file as written (version 2). */
export const LayoutsFile = z.strictObject({
  version: z.literal(LAYOUT_VERSION),
  layouts: z.array(Layout).max(500),
});
export type LayoutsFile = z.infer<typeof LayoutsFile>;

/** A layout as exported to a file for another Lab Monitor: its saved content, versioned. */
export const LayoutExport = z.strictObject({
  format: z.literal('lab-monitor-layout'),
  version: z.literal(LAYOUT_VERSION),
  forType: z.string().max(500).nullable().default(null),
  layout: LayoutBody,
});
export type LayoutExport = z.infer<typeof LayoutExport>;

/** The resolution of a panel's Thing against the Things present now. */
export function resolveThing(ref: ThingRef, self: string | undefined, things: readonly { name: string; id?: string }[]): string | undefined {
  if ('self' in ref) return self;
  if (ref.id !== undefined) {
    const byId = things.find((thing) => thing.id === ref.id);
    if (byId) return byId.name;
  }
  return things.find((thing) => thing.name === ref.name)?.name;
}

/**
 * What makes two Things "the same type" for layouts: the Thing Description's `@type`, else the
 * simulated instrument kind, else the title (two LabThings servers of one model share it).
 */
export function thingTypeOf(td: { '@type'?: unknown; title: string }, origin: string | undefined): string {
  const declared = td['@type'];
  const types = (Array.isArray(declared) ? declared : [declared]).filter((t): t is string => typeof t === 'string' && t.length > 0);
  if (types.length > 0) return `type:${types.join(',')}`;
  if (origin?.startsWith('simulated:')) return origin;
  return `title:${td.title}`;
}

/** The file a layout is exported to: its name, safe on every file system. */
export function layoutFileName(name: string): string {
  return `${name.replace(/[^\w.-]+/g, '-')}.layout.json`;
}
