import { z } from 'zod';
import { Layout } from '../../shared/layout';
import type { SliceCreator } from './types';

export interface LayoutsSlice {
  /** Every layout the host keeps (named ones and Thing type templates), as last announced. */
  layouts: Layout[];
  /** The named layout shown instead of a Thing view; null shows the selected Thing. */
  openLayout: string | null;
  setLayouts(layouts: Layout[]): void;
  /** One layout as a call returned it (before the host's announcement arrives). */
  putLayout(layout: Layout): void;
  dropLayout(id: string): void;
  showLayout(id: string | null): void;
}

export const createLayoutsSlice: SliceCreator<LayoutsSlice> = (set) => ({
  layouts: [],
  openLayout: null,
  setLayouts: (layouts) => set((state) => ({ layouts, openLayout: keepOpenLayout(state.openLayout, layouts) })),
  putLayout: (layout) => set((state) => ({ layouts: upsertLayout(state.layouts, layout) })),
  dropLayout: (id) => set((state) => ({ layouts: state.layouts.filter((layout) => layout.id !== id), openLayout: state.openLayout === id ? null : state.openLayout })),
  // Showing a layout makes it the main view; closing it goes back to the selected Thing.
  showLayout: (openLayout) => set({ openLayout, view: openLayout === null ? 'thing' : 'layout' }),
});

const LayoutList = z.array(Layout);

/** A `($lab, layouts)` payload: the new list, or the current one if it does not parse. */
export function reduceLayoutList(layouts: Layout[], payload: unknown): Layout[] {
  const parsed = LayoutList.safeParse(payload);
  return parsed.success ? parsed.data : layouts;
}

export function upsertLayout(layouts: readonly Layout[], layout: Layout): Layout[] {
  const index = layouts.findIndex((each) => each.id === layout.id);
  if (index === -1) return [...layouts, layout];
  const next = [...layouts];
  next[index] = layout;
  return next;
}

/** The open layout stays open while it exists. */
export function keepOpenLayout(open: string | null, layouts: readonly Layout[]): string | null {
  return open !== null && layouts.some((layout) => layout.id === open) ? open : null;
}

/** The template a Thing of this type is shown with (undefined until the host made one). */
export function templateFor(layouts: readonly Layout[], type: string | undefined): Layout | undefined {
  return type === undefined ? undefined : layouts.find((layout) => layout.forType === type);
}

/** What is on screen: the working copy while there are unsaved changes, else the saved one. */
export const currentBody = (layout: Layout) => layout.working ?? layout.saved;
