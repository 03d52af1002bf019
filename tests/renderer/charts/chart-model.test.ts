import { describe, expect, it } from 'vitest';
import { ChartModel, type ChartDeps } from '../../../src/renderer/charts/chart-model';
import { liveKey } from '../../../src/renderer/store/keys';
import { SeriesRegistry } from '../../../src/renderer/store/series';
import type { SeriesRequest, SeriesResponse } from '../../../src/shared/history';

const info = { thing: 'thermo', property: 'temperature', title: 'Temperature', unit: 'degC', logScale: false, holdsValue: false };
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function deps(series: SeriesRegistry, answer: (request: SeriesRequest) => SeriesResponse | undefined): ChartDeps & { requests: SeriesRequest[] } {
  const requests: SeriesRequest[] = [];
  return {
    series,
    requests,
    setTimer: (callback) => {
      queueMicrotask(callback);
      return () => {};
    },
    fetchSeries: async (request) => {
      requests.push(request);
      const value = answer(request);
      return value ? { ok: true, value } : { ok: false, error: { code: 'NOT_FOUND', message: 'history is not recorded in this build' } };
    },
    fetchEvents: async () => ({ ok: true, value: { events: [], next: null } }),
  };
}

describe('chart model', () => {
  it('backfills at one bucket per pixel column, then merges live samples into the newest bucket', async () => {
    const series = new SeriesRegistry(100);
    const now = Math.floor(Date.now() / 1000) * 1000 + 1000;
    const d = deps(series, () => ({
      series: [{ thing: 'thermo', property: 'temperature', unit: 'degC', decimated: true, bucketMs: 1000, t: [now - 2000, now - 1000], first: [1, 2], min: [0, 2], max: [5, 3], last: [2, 3], count: [10, 10] }],
      gaps: [],
    }));
    const model = new ChartModel(d);
    model.setWidth(600);
    model.setSpan(600_000);
    model.setSeries([info]);
    model.start();
    await settle();
    await settle();
    // One bucket per pixel column (and one for the partial column), on the grid of whole seconds.
    expect(d.requests[0]?.maxPoints).toBe(601);
    const from = Date.parse(d.requests[0]?.from ?? '');
    expect(from % 1000).toBe(0);
    expect(Date.parse(d.requests[0]?.to ?? '') - from).toBe(601 * 1000 - 1);
    expect(model.history).toEqual({ state: 'ok' });
    expect(model.bucketMs).toBe(1000);
    // A live sample within the newest bucket's width merges into it.
    series.record(liveKey('thermo', 'temperature'), 9, now + 10, { time: now - 1000 + 900, seq: 1 });
    const buckets = model.buckets(0);
    expect(buckets?.length).toBe(2);
    expect(buckets?.max[1]).toBe(9);
    series.record(liveKey('thermo', 'temperature'), 4, now + 20, { time: now + 500, seq: 2 });
    expect(buckets?.length).toBe(3);
    expect(model.frame(now + 600).points[0]?.y.slice(-1)).toEqual([4]);
    model.dispose();
  });

  it('without a recorder says so and shows the live samples it has; paused, it counts what arrives', async () => {
    const series = new SeriesRegistry(100);
    const key = liveKey('thermo', 'temperature');
    const now = Date.now();
    series.record(key, 20, now - 5000, { time: now - 5000, seq: 1 });
    series.record(key, 21, now - 4000, { time: now - 4000, seq: 2 });
    const model = new ChartModel(deps(series, () => undefined));
    model.setSeries([info]);
    model.start();
    await settle();
    await settle();
    expect(model.history.state).toBe('unavailable');
    expect(model.buckets(0)?.last).toEqual([20, 21]);
    model.pause(now);
    series.record(key, 22, now + 100, { time: now + 100, seq: 3 });
    series.record(key, 23, now + 200, { time: now + 200, seq: 4 });
    expect(model.arrivedWhilePaused).toBe(2);
    expect(model.buckets(0)?.length).toBe(2);
    model.follow();
    expect(model.view.mode).toBe('follow');
    expect(model.arrivedWhilePaused).toBe(0);
    model.dispose();
  });

  it('zoom fixes the window; Follow returns to the chosen one; scrolling back to now follows again', () => {
    const series = new SeriesRegistry(10);
    const model = new ChartModel(deps(series, () => undefined));
    model.setSpan(60_000);
    model.showRange(1000, 11_000);
    expect(model.view).toMatchObject({ follow: false, spanMs: 10_000, to: 11_000, mode: 'zoomed' });
    model.follow();
    expect(model.view).toMatchObject({ follow: true, spanMs: 60_000, mode: 'follow' });
    model.pan(-0.5, 100_000);
    expect(model.range(100_000)).toEqual({ from: 10_000, to: 70_000 });
    model.pan(1, 100_000);
    expect(model.view.follow).toBe(true);
    model.dispose();
  });
});
