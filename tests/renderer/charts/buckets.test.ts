import { describe, expect, it } from 'vitest';
import { BucketSeries, alignPoints, isGapBetween, silenceThreshold, toPlotPoints, valueAt } from '../../../src/renderer/charts/buckets';

const history = (t: number[], values: number[][], bucketMs: number | null, decimated = true) => ({
  t,
  first: values.map((v) => v[0] ?? 0),
  min: values.map((v) => v[1] ?? 0),
  max: values.map((v) => v[2] ?? 0),
  last: values.map((v) => v[3] ?? 0),
  count: values.map((v) => v[4] ?? 1),
  decimated,
  bucketMs,
});

describe('bucket merging: live points into backfilled buckets', () => {
  it('merges a live point into the newest backfilled bucket while within its width', () => {
    const series = new BucketSeries(1000);
    series.setHistory(history([0, 1000], [[1, 0, 5, 2, 10], [2, 2, 3, 3, 4]], 1000));
    // Older than the newest bucket: the history has it.
    expect(series.merge(900, 9)).toBe('ignored');
    // Within the newest backfilled bucket (the recorder may not have flushed it yet): merged.
    expect(series.merge(1500, 4)).toBe('merged');
    expect([series.min[1], series.max[1], series.last[1], series.count[1]]).toEqual([2, 4, 4, 5]);
    expect(series.merge(2100, 9)).toBe('appended');
    expect(series.merge(2600, -4)).toBe('merged');
    expect(series.merge(2900, 1)).toBe('merged');
    const at = series.length - 1;
    expect([series.t[at], series.first[at], series.min[at], series.max[at], series.last[at], series.count[at], series.end[at]]).toEqual([2100, 9, -4, 9, 1, 3, 2900]);
    expect(series.merge(3100, 7)).toBe('appended');
    expect(series.length).toBe(4);
    expect(series.decimated).toBe(true);
  });

  it('keeps raw history raw and appends live samples one per bucket when they are far apart', () => {
    const series = new BucketSeries(50);
    series.setHistory(history([0, 100, 200], [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], null, false));
    expect(series.decimated).toBe(false);
    expect(series.merge(200, 3)).toBe('ignored');
    expect(series.merge(300, 4)).toBe('appended');
    expect(series.merge(200, 9)).toBe('ignored');
    expect(series.last).toEqual([1, 2, 3, 4]);
    expect(series.decimated).toBe(false);
  });

  it('stays bounded and trims what scrolled out of the window', () => {
    const series = new BucketSeries(1, 100);
    for (let i = 0; i < 1000; i += 1) series.merge(i * 10, i);
    expect(series.length).toBe(100);
    series.trimBefore(9500);
    expect(series.t[0]).toBeLessThan(9500);
    expect(series.t[1]).toBeGreaterThanOrEqual(9500);
  });

  it('a NaN sample is a gap marker, once', () => {
    const series = new BucketSeries(10);
    series.merge(0, 1);
    expect(series.merge(100, Number.NaN)).toBe('appended');
    expect(series.merge(100, Number.NaN)).toBe('ignored');
    expect(series.merge(200, 2)).toBe('appended');
    expect(toPlotPoints(series, { spans: [], silenceMs: Infinity }).y).toEqual([1, null, 2]);
  });
});

describe('plot points', () => {
  it('draws a decimated bucket as first, min, max, last inside its column, so a spike survives', () => {
    const series = new BucketSeries(300);
    series.setHistory(history([0], [[1, -50, 2, 2, 30]], 300));
    const points = toPlotPoints(series, { spans: [], silenceMs: Infinity });
    expect(points.y).toEqual([1, -50, 2, 2]);
    // Four places inside the column, the same for every series on the grid of the bucket width.
    expect(points.x).toEqual([0, 75, 150, 225]);
    // Falling: the max comes before the min.
    series.setHistory(history([0], [[5, 0, 9, 1, 30]], 300));
    expect(toPlotPoints(series, { spans: [], silenceMs: Infinity }).y).toEqual([5, 9, 0, 1]);
  });

  it('aligns several series on one x; missing points are undefined (bridged), gaps stay null', () => {
    const [x, a, b] = alignPoints([
      { x: [0, 20, 40], y: [1, null, 3] },
      { x: [10, 20], y: [5, 6] },
    ]);
    expect(x).toEqual([0, 10, 20, 40]);
    expect(a).toEqual([1, undefined, null, 3]);
    expect(b).toEqual([undefined, 5, 6, undefined]);
    expect(valueAt({ x: [0, 10, 20], y: [1, 2, null] }, 15)).toBe(2);
    expect(valueAt({ x: [0, 10, 20], y: [1, 2, null] }, 25)).toBeNull();
    expect(valueAt({ x: [10], y: [1] }, 5)).toBeNull();
  });
});

describe('gap detection', () => {
  it('breaks the line across a disconnection and across a silence, not across normal spacing', () => {
    const rule = { spans: [{ from: 5000, to: 9000 }], silenceMs: 3000 };
    expect(isGapBetween(0, 1000, rule)).toBe(false);
    expect(isGapBetween(4900, 5100, rule)).toBe(true);
    expect(isGapBetween(8900, 9100, rule)).toBe(true);
    expect(isGapBetween(10_000, 14_000, rule)).toBe(true);
    expect(isGapBetween(10_000, 12_000, { spans: [{ from: 11_000, to: null }], silenceMs: Infinity })).toBe(true);
  });

  it('inserts a null between samples on either side of a gap; a held value lasts until its Thing went away', () => {
    const series = new BucketSeries(10);
    for (const time of [0, 100, 200, 6000, 6100]) series.merge(time, time);
    const measured = toPlotPoints(series, { spans: [], silenceMs: silenceThreshold(100, false) });
    expect(measured.y).toEqual([0, 100, 200, null, 6000, 6100]);
    expect(measured.x[3]).toBe(3100);

    const setpoint = new BucketSeries(10);
    setpoint.merge(0, 25);
    setpoint.merge(8000, 30);
    const rule = { spans: [{ from: 4000, to: 6000 }], silenceMs: silenceThreshold(100, true) };
    const held = toPlotPoints(setpoint, rule, { holds: true, until: 10_000 });
    expect(held.x).toEqual([0, 4000, 4000, 8000, 10_000]);
    expect(held.y).toEqual([25, 25, null, 30, 30]);

    // No sample after the gap (unchanged values are not recorded again): it breaks and holds on.
    const quiet = new BucketSeries(10);
    quiet.merge(0, 25);
    const after = toPlotPoints(quiet, rule, { holds: true, until: 10_000 });
    expect(after.x).toEqual([0, 4000, 4000, 6000, 10_000]);
    expect(after.y).toEqual([25, 25, null, 25, 25]);
    // Still away at the end: the line ends where the gap began.
    const away = toPlotPoints(quiet, { spans: [{ from: 4000, to: null }], silenceMs: Infinity }, { holds: true, until: 10_000 });
    expect(away.y).toEqual([25, 25, null]);
  });

  it('never calls a value that holds silent; a regular one after ten of its intervals (at least 5 s)', () => {
    expect(silenceThreshold(100, true)).toBe(Infinity);
    expect(silenceThreshold(undefined, false)).toBe(Infinity);
    expect(silenceThreshold(100, false)).toBe(5000);
    expect(silenceThreshold(2000, false)).toBe(20_000);
  });
});
