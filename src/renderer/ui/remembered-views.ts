import { useEffect } from 'react';
import { z } from 'zod';
import type { LabStore } from '../store/lab-store';
import { MAX_CHARTS, MAX_CHART_SERIES, type ChartSpec } from '../store/watch-slice';
import { useLabContext } from './lab-context';

/**
 * The operator's charts and pinned tile values, remembered in this browser profile (the
 * desktop window's profile is in the user's data folder), so a reload or a restart of the app
 * gives back the same screen. A chart of a Thing that is gone stays (its recorded history still
 * shows); what is read back is checked for shape and size, and a bad entry is ignored.
 */
const KEY = 'lab-monitor:views';
const Name = z.string().min(1).max(500);
const Remembered = z.object({
  version: z.literal(1),
  pinned: z.record(Name, z.array(Name).max(6)),
  charts: z
    .array(z.object({ id: z.string().regex(/^chart-\d{1,9}$/), series: z.array(z.object({ thing: Name, property: Name })).max(MAX_CHART_SERIES) }))
    .max(MAX_CHARTS),
  activeChart: z.string().nullable(),
});
type Remembered = z.infer<typeof Remembered>;

export function loadViews(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Omit<Remembered, 'version'> | undefined {
  try {
    const parsed = Remembered.safeParse(JSON.parse(storage?.getItem(KEY) ?? 'null'));
    if (!parsed.success) return undefined;
    const { pinned, charts, activeChart } = parsed.data;
    return { pinned, charts, activeChart: charts.some((chart) => chart.id === activeChart) ? activeChart : (charts.at(-1)?.id ?? null) };
  } catch {
    return undefined;
  }
}

export function saveViews(views: Omit<Remembered, 'version'>, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(KEY, JSON.stringify({ version: 1, ...views }));
  } catch {
    // not remembered (storage full or refused), still shown
  }
}

/** The next free chart number after the charts given (ids are `chart-N`). */
const nextChartId = (charts: readonly ChartSpec[]): number => charts.reduce((next, chart) => Math.max(next, Number(chart.id.slice(6)) + 1), 1);

/** Gives the store the remembered charts and pins, then remembers every change of them. */
export function rememberViews(store: LabStore, storage: Pick<Storage, 'getItem' | 'setItem'> | undefined = globalThis.localStorage): () => void {
  const saved = loadViews(storage);
  if (saved) store.setState({ pinned: saved.pinned, charts: saved.charts, activeChart: saved.activeChart, nextChartId: nextChartId(saved.charts) });
  return store.subscribe((state, previous) => {
    if (state.pinned === previous.pinned && state.charts === previous.charts && state.activeChart === previous.activeChart) return;
    saveViews({ pinned: state.pinned, charts: state.charts, activeChart: state.activeChart }, storage);
  });
}

export function useRememberedViews(): void {
  const { store } = useLabContext();
  useEffect(() => rememberViews(store), [store]);
}
