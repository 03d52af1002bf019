import type { GapSpan, SeriesData } from '../../shared/history';

/**
 * One chart series as buckets of first/min/max/last, one per pixel column: history from the
 * recorder (already reduced) with live samples merged in as they arrive. Memory is bounded by
 * the chart's width, whatever its window. A bucket with a NaN value is a gap marker.
 */
export class BucketSeries {
  t: number[] = [];
  /** Time of the last sample in each bucket (equal to `t` for a raw sample). */
  end: number[] = [];
  first: number[] = [];
  min: number[] = [];
  max: number[] = [];
  last: number[] = [];
  count: number[] = [];
  /** True once any bucket holds more than one sample: the series is drawn decimated. */
  decimated = false;

  constructor(
    /** Width of one bucket (one pixel column of the chart's window). */
    public bucketMs: number,
    /** Buckets kept at most; the oldest go first. */
    readonly maxBuckets = 8192,
  ) {}

  get length(): number {
    return this.t.length;
  }

  /** Replaces the content with the recorder's answer for the window. */
  setHistory(data: Pick<SeriesData, 't' | 'first' | 'min' | 'max' | 'last' | 'count' | 'decimated' | 'bucketMs'>): void {
    const n = Math.min(data.t.length, data.first.length, data.min.length, data.max.length, data.last.length, data.count.length);
    const width = data.bucketMs ?? 0;
    this.t = data.t.slice(0, n);
    this.first = data.first.slice(0, n);
    this.min = data.min.slice(0, n);
    this.max = data.max.slice(0, n);
    this.last = data.last.slice(0, n);
    this.count = data.count.slice(0, n);
    // A decimated bucket's samples lie within its width; the next bucket starts no earlier.
    this.end = this.t.map((time, index) => {
      if ((this.count[index] ?? 1) <= 1 || width <= 0) return time;
      const next = this.t[index + 1];
      return next === undefined ? time + width : Math.min(time + width, next);
    });
    this.decimated = data.decimated || this.count.some((count) => count > 1);
    this.bound();
  }

  /** A value known to hold at `time` (a setpoint set before the window): becomes the first sample. */
  holdFrom(time: number, value: number): void {
    if (!Number.isFinite(value) || (this.t[0] !== undefined && (this.t[0] ?? 0) <= time)) return;
    this.t.unshift(time);
    this.end.unshift(time);
    this.first.unshift(value);
    this.min.unshift(value);
    this.max.unshift(value);
    this.last.unshift(value);
    this.count.unshift(1);
    this.bound();
  }

  /** Time of the newest sample held (or undefined). */
  lastTime(): number | undefined {
    return this.end[this.end.length - 1];
  }

  /**
   * Merges one live sample: into the newest bucket while within its width (min, max and last
   * are idempotent, so a sample the history already counted does no harm), else as a new
   * bucket. Samples older than the newest bucket are ignored (the history holds them). NaN
   * breaks the line there.
   */
  merge(time: number, value: number): 'merged' | 'appended' | 'ignored' {
    const at = this.t.length - 1;
    const start = this.t[at];
    const end = this.end[at] ?? start;
    if (start !== undefined && time < start) return 'ignored';
    const newestIsGap = start !== undefined && Number.isNaN(this.last[at] ?? 0);
    if (Number.isNaN(value)) {
      if (newestIsGap) return 'ignored';
      this.push(time, Number.NaN, 0);
      return 'appended';
    }
    // The same sample again (the history's last raw point, seen live too).
    if (start !== undefined && time === end && Object.is(value, this.last[at])) return 'ignored';
    // Buckets are pixel columns on one grid (multiples of bucketMs), so the series of a chart
    // share their x positions and the recorder's buckets line up with live ones.
    if (start !== undefined && !newestIsGap && Math.floor(time / this.bucketMs) === Math.floor(start / this.bucketMs)) {
      this.end[at] = Math.max(end ?? time, time);
      if (value < (this.min[at] ?? value)) this.min[at] = value;
      if (value > (this.max[at] ?? value)) this.max[at] = value;
      this.last[at] = value;
      this.count[at] = (this.count[at] ?? 0) + 1;
      this.decimated = true;
      return 'merged';
    }
    this.push(time, value, 1);
    return 'appended';
  }

  /** Drops buckets that end before `time` (keeping one, so a held value still has its start). */
  trimBefore(time: number): void {
    let drop = 0;
    while (drop < this.t.length - 1 && (this.end[drop + 1] ?? 0) < time) drop += 1;
    if (drop > 0) this.splice(drop);
  }

  clear(): void {
    this.splice(this.t.length);
    this.decimated = false;
  }

  private push(time: number, value: number, count: number): void {
    this.t.push(time);
    this.end.push(time);
    this.first.push(value);
    this.min.push(value);
    this.max.push(value);
    this.last.push(value);
    this.count.push(count);
    this.bound();
  }

  private bound(): void {
    if (this.t.length > this.maxBuckets) this.splice(this.t.length - this.maxBuckets);
  }

  private splice(count: number): void {
    for (const column of [this.t, this.end, this.first, this.min, this.max, this.last, this.count]) column.splice(0, count);
  }
}

export interface GapRule {
  /** Spans when the series' Thing was not connected (from the recorder and from live state). */
  spans: readonly Pick<GapSpan, 'from' | 'to'>[];
  /** A pause between samples longer than this is drawn as a gap (silent source); Infinity: never. */
  silenceMs: number;
}

/**
 * True when no line may join a sample ending at `before` to one starting at `after`: a
 * disconnection overlaps the interval between them, or nothing arrived for too long.
 */
export function isGapBetween(before: number, after: number, rule: GapRule): boolean {
  if (after - before > rule.silenceMs) return true;
  return rule.spans.some((span) => span.from < after && (span.to ?? Number.POSITIVE_INFINITY) > before);
}

/** How long a series may be silent before its line breaks: several of its usual intervals. */
export function silenceThreshold(medianIntervalMs: number | undefined, holdsValue: boolean): number {
  // A setpoint or other on-demand value holds between its changes: never a gap by silence.
  if (holdsValue || medianIntervalMs === undefined) return Number.POSITIVE_INFINITY;
  return Math.max(5000, medianIntervalMs * 10);
}

export interface PlotPoints {
  x: number[];
  /** null: a gap (the line breaks). */
  y: (number | null)[];
}

export interface HoldOptions {
  /** The value holds between samples (a setpoint): drawn up to a gap and, if given, up to `until`. */
  holds: boolean;
  until?: number;
}

/**
 * The points one series draws: a raw sample as itself, a decimated bucket as first, min, max,
 * last inside its column (so a spike survives), a gap marker or a detected gap as null. A value
 * that holds (a setpoint) lasts until the next sample, the next gap, or `hold.until`.
 */
export function toPlotPoints(series: BucketSeries, rule: GapRule, hold: HoldOptions = { holds: false }): PlotPoints {
  const x: number[] = [];
  const y: (number | null)[] = [];
  let previousEnd: number | undefined;
  let lastValue: number | undefined;
  // x never goes back (uPlot needs sorted x; equal ones collapse when aligned).
  const push = (time: number, value: number | null) => {
    const last = x[x.length - 1];
    x.push(last !== undefined && time < last ? last : time);
    y.push(value);
  };
  const breakAt = (time: number) => {
    if (hold.holds && lastValue !== undefined && previousEnd !== undefined && time > previousEnd) push(time, lastValue);
    push(time, null);
  };
  const grid = series.bucketMs;
  for (let i = 0; i < series.t.length; i += 1) {
    const start = series.t[i] ?? 0;
    const end = series.end[i] ?? start;
    const last = series.last[i] ?? Number.NaN;
    if (Number.isNaN(last)) {
      if (previousEnd !== undefined) breakAt(start);
      previousEnd = undefined;
      lastValue = undefined;
      continue;
    }
    if (previousEnd !== undefined && isGapBetween(previousEnd, start, rule)) {
      // A value that holds lasts until its Thing went away; a measurement breaks halfway.
      const span = rule.spans.find((each) => each.from < start && (each.to ?? Number.POSITIVE_INFINITY) > (previousEnd ?? 0));
      breakAt(hold.holds && span ? Math.max(span.from, previousEnd) : (previousEnd + start) / 2);
    }
    const count = series.count[i] ?? 1;
    if (count <= 1 || end <= start) {
      push(start, last);
    } else {
      const first = series.first[i] ?? last;
      const low = series.min[i] ?? last;
      const high = series.max[i] ?? last;
      const rising = last >= first;
      // Inside its pixel column, at the same four places for every series of the chart.
      const column = grid > 0 ? Math.floor(start / grid) * grid : start;
      const step = grid > 0 ? grid / 4 : (end - start) / 3;
      push(column, first);
      push(column + step, rising ? low : high);
      push(column + 2 * step, rising ? high : low);
      push(column + 3 * step, last);
    }
    previousEnd = end;
    lastValue = last;
  }
  const until = hold.until;
  if (hold.holds && until !== undefined && previousEnd !== undefined && lastValue !== undefined && until > previousEnd) {
    // The value holds up to now, except while its Thing was away (a value republished
    // unchanged after a reconnect may not be recorded again: it still holds after the gap).
    const after = previousEnd;
    const spans = rule.spans.filter((span) => span.from < until && (span.to ?? Number.POSITIVE_INFINITY) > after).sort((a, b) => a.from - b.from);
    let at = after;
    for (const span of spans) {
      push(Math.max(span.from, at), lastValue);
      push(Math.max(span.from, at), null);
      if (span.to === null || span.to >= until) {
        at = Number.NaN;
        break;
      }
      at = span.to;
      push(at, lastValue);
    }
    if (!Number.isNaN(at)) push(until, lastValue);
  }
  return { x, y };
}

/**
 * Joins several series into uPlot's aligned columns: one shared, sorted x and per series its
 * values at those times. A time another series has no point at is `undefined` (uPlot draws
 * across it); `null` stays a gap (uPlot breaks the line).
 */
export function alignPoints(list: readonly PlotPoints[]): [number[], ...(number | null | undefined)[][]] {
  const xs: number[] = [];
  const ys: (number | null | undefined)[][] = list.map(() => []);
  const cursor = list.map(() => 0);
  for (;;) {
    let next = Number.POSITIVE_INFINITY;
    for (let s = 0; s < list.length; s += 1) {
      const value = list[s]?.x[cursor[s] ?? 0];
      if (value !== undefined && value < next) next = value;
    }
    if (next === Number.POSITIVE_INFINITY) break;
    xs.push(next);
    for (let s = 0; s < list.length; s += 1) {
      const points = list[s];
      const column = ys[s];
      if (!points || !column) continue;
      const at = cursor[s] ?? 0;
      if (points.x[at] === next) {
        column.push(points.y[at]);
        cursor[s] = at + 1;
        // Equal times within one series (a raw sample repeated): keep the last, drop the rest.
        while (points.x[cursor[s] ?? 0] === next) {
          column[column.length - 1] = points.y[cursor[s] ?? 0];
          cursor[s] = (cursor[s] ?? 0) + 1;
        }
      } else column.push(undefined);
    }
  }
  return [xs, ...ys];
}

/** The value of the last point at or before `time` (binary search); null before the first or in a gap. */
export function valueAt(points: PlotPoints, time: number): number | null {
  let low = 0;
  let high = points.x.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if ((points.x[mid] ?? 0) <= time) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  if (found < 0) return null;
  const value = points.y[found];
  return value === undefined ? null : value;
}
