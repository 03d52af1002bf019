import type { SliceCreator } from './types';

/** What the main area shows: the overview of every Thing (home), one Thing, or the charts. */
export type MainView = 'overview' | 'thing' | 'charts' | 'layout';

export type ProblemKind = 'disconnected' | 'connecting' | 'stalled' | 'action-failed' | 'out-of-range';

/** Something wrong with a Thing, as the overview, the sidebar and the header show it. */
export interface ThingProblem {
  /** Stable while the problem lasts (acknowledging a failed action uses it). */
  id: string;
  kind: ProblemKind;
  text: string;
  /** The property or action concerned, if any. */
  affordance?: string;
}

export interface ChartSeriesRef {
  thing: string;
  property: string;
}

export interface ChartSpec {
  id: string;
  series: ChartSeriesRef[];
}

/** Series one chart shows at most; charts at most (each is a uPlot instance and a history query). */
export const MAX_CHART_SERIES = 8;
export const MAX_CHARTS = 16;

export interface WatchSlice {
  view: MainView;
  /** Problems by Thing name (only Things that have some). */
  problems: Record<string, ThingProblem[]>;
  problemCount: number;
  /** Properties pinned on a Thing's tile, in pin order (else the first readable numbers show). */
  pinned: Record<string, string[]>;
  /** Failed invocations the operator has seen (their problem is cleared). */
  acknowledged: Record<string, true>;
  charts: ChartSpec[];
  /** Where "add to chart" goes. */
  activeChart: string | null;
  nextChartId: number;
  setView(view: MainView): void;
  /** Selects a Thing and shows it. */
  openThing(name: string): void;
  setProblems(problems: Record<string, ThingProblem[]>): void;
  togglePin(thing: string, property: string): void;
  acknowledge(problemId: string): void;
  addChart(series?: ChartSeriesRef[]): string;
  removeChart(id: string): void;
  setActiveChart(id: string): void;
  /** Adds a series to a chart (the active one, or a new one); a series already there is kept once. */
  addToChart(ref: ChartSeriesRef, chartId?: string): string;
  removeFromChart(chartId: string, ref: ChartSeriesRef): void;
}

const sameRef = (a: ChartSeriesRef, b: ChartSeriesRef): boolean => a.thing === b.thing && a.property === b.property;

export const createWatchSlice: SliceCreator<WatchSlice> = (set, get) => ({
  view: 'overview',
  problems: {},
  problemCount: 0,
  pinned: {},
  acknowledged: {},
  charts: [],
  activeChart: null,
  nextChartId: 1,
  setView: (view) => set({ view }),
  openThing: (name) => set({ selected: name, view: 'thing' }),
  setProblems: (problems) => set({ problems, problemCount: Object.values(problems).reduce((sum, list) => sum + list.length, 0) }),
  togglePin: (thing, property) =>
    set((state) => {
      const current = state.pinned[thing] ?? [];
      const next = current.includes(property) ? current.filter((each) => each !== property) : [...current, property].slice(-6);
      return { pinned: { ...state.pinned, [thing]: next } };
    }),
  acknowledge: (problemId) => set((state) => ({ acknowledged: { ...state.acknowledged, [problemId]: true } })),
  addChart: (series = []) => {
    const state = get();
    if (state.charts.length >= MAX_CHARTS) {
      const last = state.charts[state.charts.length - 1];
      return last?.id ?? '';
    }
    const id = `chart-${state.nextChartId}`;
    set({ charts: [...state.charts, { id, series: series.slice(0, MAX_CHART_SERIES) }], activeChart: id, nextChartId: state.nextChartId + 1 });
    return id;
  },
  removeChart: (id) =>
    set((state) => {
      const charts = state.charts.filter((chart) => chart.id !== id);
      return { charts, activeChart: state.activeChart === id ? (charts[charts.length - 1]?.id ?? null) : state.activeChart };
    }),
  setActiveChart: (id) => set({ activeChart: id }),
  addToChart: (ref, chartId) => {
    const state = get();
    const target = state.charts.find((chart) => chart.id === (chartId ?? state.activeChart));
    if (!target || target.series.length >= MAX_CHART_SERIES) return get().addChart([ref]);
    if (!target.series.some((each) => sameRef(each, ref))) {
      set({
        charts: state.charts.map((chart) => (chart.id === target.id ? { ...chart, series: [...chart.series, ref] } : chart)),
        activeChart: target.id,
      });
    } else set({ activeChart: target.id });
    return target.id;
  },
  removeFromChart: (chartId, ref) =>
    set((state) => ({
      charts: state.charts.map((chart) => (chart.id === chartId ? { ...chart, series: chart.series.filter((each) => !sameRef(each, ref)) } : chart)),
    })),
});
