// What the charts benchmark and its page agree on (no Node, no DOM).

export const CHART_THING = 'bench';
export const CHARTS = 12;
export const SERIES_PER_CHART = 4;
/** Two units per chart, so every chart has two y axes. */
export const UNITS = ['degC', '%'] as const;
export const seriesName = (chart: number, series: number): string => `c${chart}s${series}`;
/** The value a series has at `time` (ms): a slow sine per series plus a little ripple. */
export const seriesValue = (chart: number, series: number, time: number): number =>
  20 + 5 * Math.sin(time / 60_000 + chart + series) + 0.2 * Math.sin(time / 700 + series);

export const LATENCY_BINS = 10_000;

export interface ChartPageReport {
  startedAt: number;
  stoppedAt: number;
  frames: number;
  /** Count per whole millisecond of (store apply time − live-channel time) per landed bench value. */
  latencyHistogram: number[];
  applied: number;
  /** Chart points drawn at the end (all charts), and backfill answers received. */
  points: number;
  /** Charts inside the 1280×800 viewport at the end (the others do not redraw while out of view). */
  visibleCharts?: number;
}

export interface ChartPageProbe {
  ready(): Promise<boolean>;
  /** Opens the charts (or not) for this run. */
  setup(withCharts: boolean): Promise<void>;
  start(): void;
  stop(): ChartPageReport;
  /** Scrolls every chart back half a window and returns to Follow (a backfill each). */
  scrollBackAndFollow(): Promise<void>;
}
