import type { Result } from '../../shared/errors';
import type { CallRequest } from '../../shared/contract';
import type { EventsResponse, GapSpan, SeriesRequest, SeriesResponse } from '../../shared/history';
import { liveKey } from '../store/keys';
import type { SeriesRegistry } from '../store/series';
import { alignPoints, BucketSeries, toPlotPoints, type PlotPoints } from './buckets';
import { markersFromEvents, type ChartMarker } from './markers';

/** What a chart needs to know about one of its series. */
export interface ChartSeriesInfo {
  thing: string;
  property: string;
  title: string;
  unit: string | null;
  logScale: boolean;
  /** A value that holds between changes (a setpoint): drawn as steps, never broken by silence. */
  holdsValue: boolean;
}

export interface ChartDeps {
  series: SeriesRegistry;
  fetchSeries(request: SeriesRequest): Promise<Result<SeriesResponse>>;
  fetchEvents(request: CallRequest<'lab:history:events'>): Promise<Result<EventsResponse>>;
  setTimer?(callback: () => void, ms: number): () => void;
}

export type HistoryState =
  | { state: 'loading' }
  | { state: 'ok' }
  | { state: 'unavailable'; message: string };

export const WINDOWS = [
  { label: '1 min', ms: 60_000 },
  { label: '10 min', ms: 600_000 },
  { label: '1 h', ms: 3_600_000 },
  { label: '8 h', ms: 8 * 3_600_000 },
  { label: '24 h', ms: 24 * 3_600_000 },
] as const;

/** Follow: the window ends now and moves; else it is fixed (paused, zoomed, scrolled back, a custom range). */
export interface ChartView {
  follow: boolean;
  spanMs: number;
  /** End of the window when not following (host clock, ms). */
  to: number;
  /** Why it is not following, for the status line. */
  mode: 'follow' | 'paused' | 'zoomed' | 'scrolled' | 'custom';
}

interface Entry {
  info: ChartSeriesInfo;
  key: string;
  buckets: BucketSeries;
  dispose: () => void;
}

const MIN_SPAN_MS = 1000;
const MAX_SPAN_MS = 31 * 24 * 3_600_000;
const FETCH_DEBOUNCE_MS = 150;
const MAX_LIVE_MARKERS = 500;
/** How far back a held value's last setting is looked for. */
const HELD_LOOKBACK_MS = 24 * 3_600_000;

const defaultSetTimer = (callback: () => void, ms: number): (() => void) => {
  const handle = setTimeout(callback, ms);
  return () => clearTimeout(handle);
};

const iso = (time: number): string => new Date(time).toISOString();

/** Median spacing of the last bucket starts (the raw interval, or about the bucket width). */
function typicalSpacing(buckets: BucketSeries): number | undefined {
  const n = buckets.t.length;
  if (n < 4) return undefined;
  const diffs: number[] = [];
  for (let i = Math.max(1, n - 128); i < n; i += 1) {
    if (Number.isNaN(buckets.last[i] ?? 0) || Number.isNaN(buckets.last[i - 1] ?? 0)) continue;
    diffs.push((buckets.t[i] ?? 0) - (buckets.t[i - 1] ?? 0));
  }
  if (diffs.length < 3) return undefined;
  diffs.sort((a, b) => a - b);
  return diffs[Math.floor(diffs.length / 2)];
}

/**
 * The data behind one strip chart, without the DOM: its series as buckets (history from the
 * recorder at one bucket per pixel column, live samples merged in), the window (follow, pause,
 * zoom, scroll), gaps, markers from the recorder, and what arrived while paused.
 */
export class ChartModel {
  view: ChartView = { follow: true, spanMs: 600_000, to: 0, mode: 'follow' };
  history: HistoryState = { state: 'loading' };
  historyMarkers: ChartMarker[] = [];
  liveMarkers: ChartMarker[] = [];
  /** Disconnections the recorder knows of in the window. */
  spans: GapSpan[] = [];
  arrivedWhilePaused = 0;
  /** Bumped on every change; the view redraws when it moved. */
  version = 0;
  /** The window the operator chose (1 min … 24 h); Follow returns to it. */
  private chosenSpanMs = 600_000;
  private entries: Entry[] = [];
  private widthPx = 600;
  private fetchSeq = 0;
  private cancelFetch: (() => void) | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly setTimer: (callback: () => void, ms: number) => () => void;
  private disposed = false;
  /** Listening to the series store (between start and stop). */
  private running = false;

  constructor(private readonly deps: ChartDeps) {
    this.setTimer = deps.setTimer ?? defaultSetTimer;
  }

  get seriesInfo(): ChartSeriesInfo[] {
    return this.entries.map((entry) => entry.info);
  }

  get width(): number {
    return this.widthPx;
  }

  /** Width of one pixel column of the window: the bucket width. */
  get bucketMs(): number {
    return Math.max(1, Math.ceil(this.view.spanMs / Math.max(1, this.widthPx)));
  }

  /** The window now (host clock). */
  range(now = this.deps.series.hostNow()): { from: number; to: number } {
    const to = this.view.follow ? now : this.view.to;
    return { from: to - this.view.spanMs, to };
  }

  buckets(index: number): BucketSeries | undefined {
    return this.entries[index]?.buckets;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setSeries(list: readonly ChartSeriesInfo[]): void {
    const keep = new Map(this.entries.map((entry) => [entry.key, entry]));
    const next: Entry[] = [];
    let added = false;
    for (const info of list) {
      const key = liveKey(info.thing, info.property);
      const existing = keep.get(key);
      if (existing) {
        existing.info = info;
        keep.delete(key);
        next.push(existing);
        continue;
      }
      const entry: Entry = { info, key, buckets: new BucketSeries(this.bucketMs, this.maxBuckets()), dispose: () => {} };
      if (this.running) this.listenTo(entry);
      next.push(entry);
      added = true;
    }
    for (const gone of keep.values()) gone.dispose();
    this.entries = next;
    this.changed();
    if (added) this.scheduleFetch(0);
  }

  setWidth(px: number): void {
    const width = Math.max(50, Math.round(px));
    if (Math.abs(width - this.widthPx) < 8) return;
    this.widthPx = width;
    this.scheduleFetch();
  }

  /** One of the fixed windows (or any span): follows live. */
  setSpan(spanMs: number): void {
    this.chosenSpanMs = clampSpan(spanMs);
    this.view = { follow: true, spanMs: this.chosenSpanMs, to: 0, mode: 'follow' };
    this.arrivedWhilePaused = 0;
    this.changed();
    this.scheduleFetch(0);
  }

  /** Back to live in one step, in the window last chosen (a zoom is undone). */
  follow(): void {
    const wasFollowing = this.view.follow;
    const spanChanged = this.view.spanMs !== this.chosenSpanMs;
    this.view = { follow: true, spanMs: this.chosenSpanMs, to: 0, mode: 'follow' };
    this.arrivedWhilePaused = 0;
    this.changed();
    if (!wasFollowing || spanChanged) this.scheduleFetch(0);
  }

  /** Freezes the window here; data keeps arriving (and recording) and is counted. */
  pause(now = this.deps.series.hostNow()): void {
    if (!this.view.follow) return;
    this.view = { ...this.view, follow: false, to: now, mode: 'paused' };
    this.arrivedWhilePaused = 0;
    this.changed();
  }

  /** Shows exactly [from, to] (drag-to-zoom, a custom range). */
  showRange(from: number, to: number, mode: 'zoomed' | 'custom' = 'zoomed'): void {
    if (!(to > from)) return;
    this.view = { follow: false, spanMs: clampSpan(to - from), to, mode };
    this.changed();
    this.scheduleFetch();
  }

  /** Moves the window by a fraction of its span (negative: back in time); reaching now follows again. */
  pan(fraction: number, now = this.deps.series.hostNow()): void {
    const { to } = this.range(now);
    const target = to + fraction * this.view.spanMs;
    if (target >= now) {
      this.follow();
      return;
    }
    this.view = { ...this.view, follow: false, to: target, mode: this.view.mode === 'follow' ? 'scrolled' : this.view.mode === 'paused' ? 'paused' : 'scrolled' };
    this.changed();
    this.scheduleFetch();
  }

  addLiveMarker(marker: ChartMarker): void {
    if (this.liveMarkers.some((each) => each.id === marker.id)) return;
    this.liveMarkers.push(marker);
    if (this.liveMarkers.length > MAX_LIVE_MARKERS) this.liveMarkers.splice(0, this.liveMarkers.length - MAX_LIVE_MARKERS);
    this.changed();
  }

  /** Every series' points for the window (and the aligned columns uPlot draws). */
  frame(now = this.deps.series.hostNow()): { from: number; to: number; points: PlotPoints[]; data: ReturnType<typeof alignPoints> } {
    const { from, to } = this.range(now);
    const points = this.entries.map((entry) => {
      const buckets = entry.buckets;
      // Following, what scrolled out on the left is no longer needed: memory stays bounded.
      if (this.view.follow) buckets.trimBefore(from - this.view.spanMs * 0.05);
      const spans = this.spans.filter((span) => span.thing === entry.info.thing);
      return toPlotPoints(buckets, { spans, silenceMs: this.silenceMs(entry) }, { holds: entry.info.holdsValue, until: Math.min(now, to) });
    });
    return { from, to, points, data: alignPoints(points) };
  }

  /** Starts listening to live samples and backfills (a view mounted). */
  start(): void {
    if (this.running || this.disposed) return;
    this.running = true;
    for (const entry of this.entries) this.listenTo(entry);
    this.scheduleFetch(0);
  }

  /** Stops listening and fetching (the view unmounted); start() resumes. */
  stop(): void {
    this.running = false;
    this.cancelFetch?.();
    this.cancelFetch = undefined;
    this.fetchSeq += 1;
    for (const entry of this.entries) {
      entry.dispose();
      entry.dispose = () => {};
    }
  }

  dispose(): void {
    this.stop();
    this.disposed = true;
    this.entries = [];
    this.listeners.clear();
  }

  private listenTo(entry: Entry): void {
    entry.dispose();
    entry.dispose = this.deps.series.listen(entry.key, (time, value) => this.onSample(entry.buckets, time, value));
  }

  private silenceMs(entry: Entry): number {
    if (entry.info.holdsValue) return Number.POSITIVE_INFINITY;
    const median = this.deps.series.medianInterval(entry.key);
    const spacing = typicalSpacing(entry.buckets);
    const base = Math.max(median ?? 0, spacing ?? 0);
    if (base === 0) return Number.POSITIVE_INFINITY;
    return Math.max(5000, base * (entry.buckets.decimated && spacing !== undefined && spacing >= this.bucketMs * 0.5 ? 2.5 : 10));
  }

  private maxBuckets(): number {
    // Raw samples may outnumber columns when the window is short; decimated it is one per column.
    return Math.max(4096, this.widthPx * 4);
  }

  private onSample(buckets: BucketSeries, time: number, value: number): void {
    if (!this.view.follow && time > this.view.to) {
      if (!Number.isNaN(value)) this.arrivedWhilePaused += 1;
      this.changed();
      return;
    }
    if (buckets.merge(time, value) !== 'ignored') this.changed();
  }

  private changed(): void {
    this.version += 1;
    for (const listener of [...this.listeners]) listener();
  }

  private scheduleFetch(delay = FETCH_DEBOUNCE_MS): void {
    if (this.disposed || !this.running) return;
    this.cancelFetch?.();
    this.cancelFetch = this.setTimer(() => {
      this.cancelFetch = undefined;
      void this.fetch();
    }, delay);
  }

  /** Backfills the window from the recorder, then re-merges the live samples newer than it. */
  private async fetch(): Promise<void> {
    if (this.entries.length === 0) return;
    const seq = ++this.fetchSeq;
    const bucketMs = this.bucketMs;
    const { to: windowTo } = this.range();
    // Columns on the grid of bucketMs (the recorder buckets from `from` in steps of
    // ceil((to − from + 1) / maxPoints)): its buckets and the live ones share their columns.
    const columns = Math.ceil(this.view.spanMs / bucketMs) + 1;
    const from = Math.floor((windowTo - this.view.spanMs) / bucketMs) * bucketMs;
    const to = from + columns * bucketMs - 1;
    const entries = [...this.entries];
    const things = [...new Set(entries.map((entry) => entry.info.thing))];
    if (this.history.state !== 'unavailable') this.history = { state: 'loading' };
    this.changed();
    const held = entries.filter((entry) => entry.info.holdsValue);
    const [series, events, before] = await Promise.all([
      this.deps.fetchSeries({
        series: entries.map((entry) => ({ thing: entry.info.thing, property: entry.info.property })),
        from: iso(from),
        to: iso(to),
        maxPoints: Math.min(10_000, columns),
      }),
      this.deps.fetchEvents({ from: iso(from), to: iso(to), things, kinds: ['action', 'write', 'alarm'], limit: 500 }),
      // A value that holds (a setpoint) was set before the window: its last value before it, one bucket.
      held.length === 0
        ? Promise.resolve(undefined)
        : this.deps.fetchSeries({
            series: held.map((entry) => ({ thing: entry.info.thing, property: entry.info.property })),
            from: iso(from - HELD_LOOKBACK_MS),
            to: iso(from),
            maxPoints: 1,
          }),
    ]);
    if (this.disposed || seq !== this.fetchSeq) return;
    if (series.ok) {
      this.history = { state: 'ok' };
      this.spans = series.value.gaps;
      for (const entry of entries) {
        const data = series.value.series.find((each) => each.thing === entry.info.thing && each.property === entry.info.property);
        entry.buckets.bucketMs = bucketMs;
        if (data) entry.buckets.setHistory(data);
        else entry.buckets.clear();
        const prior = before?.ok ? before.value.series.find((each) => each.thing === entry.info.thing && each.property === entry.info.property) : undefined;
        const priorValue = prior?.last[prior.last.length - 1];
        const priorGap = series.value.gaps.some((gap) => gap.thing === entry.info.thing && gap.from <= from && (gap.to ?? Number.POSITIVE_INFINITY) > from);
        if (entry.info.holdsValue && priorValue !== undefined && !priorGap) entry.buckets.holdFrom(from, priorValue);
        if (data?.unit && !entry.info.unit) entry.info = { ...entry.info, unit: data.unit };
        this.mergeRecent(entry, from, to);
      }
    } else {
      this.history = {
        state: 'unavailable',
        message:
          series.error.code === 'NOT_FOUND'
            ? 'No history here (no recorder): the chart shows live data since this page opened.'
            : `History could not be loaded (${series.error.message}): showing live data only.`,
      };
      this.spans = [];
      for (const entry of entries) {
        entry.buckets.bucketMs = bucketMs;
        entry.buckets.clear();
        this.mergeRecent(entry, from, to);
      }
    }
    this.historyMarkers = events.ok ? markersFromEvents(events.value.events) : [];
    this.changed();
  }

  /** The series store's recent samples after what the history holds (its flush lag, live-only mode). */
  private mergeRecent(entry: Entry, from: number, to: number): void {
    const ring = this.deps.series.numbers(entry.key);
    if (!ring) return;
    const after = entry.buckets.lastTime() ?? from;
    // Following, samples that arrived while the answer was on its way belong in too.
    const until = this.view.follow ? Number.POSITIVE_INFINITY : to;
    let before: number | undefined;
    ring.forEach((time, value) => {
      if (time < from) before = value;
      else if (time > after && time <= until) entry.buckets.merge(time, value);
    });
    // Without history, a held value known from before the window still holds (unless a gap came since).
    if (entry.info.holdsValue && before !== undefined && !Number.isNaN(before)) entry.buckets.holdFrom(from, before);
  }
}

function clampSpan(spanMs: number): number {
  return Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, spanMs));
}
