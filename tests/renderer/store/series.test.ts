import { describe, expect, it } from 'vitest';
import { liveKey } from '../../../src/renderer/store/keys';
import { RingBuffer, SeriesRegistry } from '../../../src/renderer/store/series';

describe('RingBuffer', () => {
  it('keeps the newest samples, oldest first, across many wraps', () => {
    const ring = new RingBuffer(3);
    expect(ring.last()).toBeUndefined();
    for (let i = 1; i <= 10; i += 1) ring.push(i * 10, i);
    const seen: Array<[number, number]> = [];
    ring.forEach((time, value) => seen.push([time, value]));
    expect(seen).toEqual([
      [80, 8],
      [90, 9],
      [100, 10],
    ]);
    expect([ring.timeAt(0), ring.valueAt(2), ring.length]).toEqual([80, 10, 3]);
    expect(ring.last()).toEqual({ time: 100, value: 10 });
    ring.clear();
    expect(ring.length).toBe(0);
  });
});

describe('SeriesRegistry', () => {
  it('takes the median interval from the most recent arrivals, ignoring steps back in time', () => {
    const series = new SeriesRegistry();
    const key = liveKey('thermo', 'temperature');
    series.record(key, 1, 0);
    series.record(key, 1, 100);
    expect(series.medianInterval(key)).toBeUndefined();
    // Old rhythm 1000 ms, then 40 steps of 100 ms: only the recent 32 count.
    let at = 100;
    for (let i = 0; i < 10; i += 1) series.record(key, 1, (at += 1000));
    series.record(key, 1, at - 500);
    for (let i = 0; i < 40; i += 1) series.record(key, 1, (at += 100));
    expect(series.medianInterval(key)).toBe(100);
  });

  it('answers for one Thing from its own keys only: activity, gaps, forgetting', () => {
    const series = new SeriesRegistry();
    const a = liveKey('thermo', 'temperature');
    const b = liveKey('thermo', 'setpoint');
    const other = liveKey('stage', 'position');
    for (let i = 0; i < 5; i += 1) {
      series.record(a, i, 1000 + i * 200);
      series.record(b, i, 1000 + i * 500);
      series.record(other, i, 5000 + i * 50);
    }
    expect(series.thingActivity('thermo')).toEqual({ lastAt: 3000, interval: 200 });
    expect(series.thingActivity('stage')).toEqual({ lastAt: 5200, interval: 50 });
    expect(series.thingActivity('nobody')).toEqual({ lastAt: undefined, interval: undefined });
    series.markGap('thermo', 4000);
    expect(Number.isNaN(series.numbers(a)?.last()?.value)).toBe(true);
    expect(Number.isNaN(series.numbers(other)?.last()?.value)).toBe(false);
    series.forget(a);
    series.forget(a);
    expect(series.thingActivity('thermo')).toEqual({ lastAt: 3000, interval: 500 });
  });
});
