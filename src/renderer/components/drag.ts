import type { ChartSeriesRef } from '../store/watch-slice';

/** The drag-and-drop type of a property dragged onto a chart (JSON: {thing, property}). */
export const SERIES_DRAG_TYPE = 'application/x-lab-series';

export function parseSeriesDrag(text: string): ChartSeriesRef | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const thing: unknown = Reflect.get(value, 'thing');
    const property: unknown = Reflect.get(value, 'property');
    return typeof thing === 'string' && typeof property === 'string' && thing !== '' && property !== '' ? { thing, property } : undefined;
  } catch {
    return undefined;
  }
}
