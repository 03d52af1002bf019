/**
 * Bounded sample buffers kept outside React state: plots and staleness read them directly,
 * so a 10 Hz property costs a ring write, not a render.
 */
export class RingBuffer {
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(time: number, value: number): void {
    const index = (this.start + this.count) % this.capacity;
    this.times[index] = time;
    this.values[index] = value;
    if (this.count < this.capacity) this.count += 1;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** Oldest first. A NaN value marks a gap (the source was disconnected). */
  forEach(visit: (time: number, value: number, index: number) => void): void {
    for (let i = 0; i < this.count; i += 1) {
      const index = (this.start + i) % this.capacity;
      visit(this.times[index] ?? 0, this.values[index] ?? 0, i);
    }
  }

  last(): { time: number; value: number } | undefined {
    if (this.count === 0) return undefined;
    const index = (this.start + this.count - 1) % this.capacity;
    return { time: this.times[index] ?? 0, value: this.values[index] ?? 0 };
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }
}

import { splitLiveKey } from './keys';

const INTERVALS_KEPT = 32;

interface KeyTrack {
  numbers: RingBuffer | undefined;
  lastAt: number | undefined;
  intervals: number[];
}

/** Per live key: numeric samples (for sparklines) and recent update intervals (for staleness). */
export class SeriesRegistry {
  private readonly tracks = new Map<string, KeyTrack>();

  constructor(readonly capacity = 300) {}

  record(key: string, value: unknown, at: number): void {
    let track = this.tracks.get(key);
    if (!track) {
      track = { numbers: undefined, lastAt: undefined, intervals: [] };
      this.tracks.set(key, track);
    }
    if (track.lastAt !== undefined && at >= track.lastAt) {
      track.intervals.push(at - track.lastAt);
      if (track.intervals.length > INTERVALS_KEPT) track.intervals.shift();
    }
    track.lastAt = at;
    if (typeof value === 'number' && Number.isFinite(value)) {
      track.numbers ??= new RingBuffer(this.capacity);
      track.numbers.push(at, value);
    }
  }

  /**
   * Breaks every numeric series of a Thing at `at` (its connection was lost): plots draw no
   * line across the time nothing was known.
   */
  markGap(thing: string, at: number): void {
    for (const [key, track] of this.tracks) {
      if (track.numbers && splitLiveKey(key).thing === thing) track.numbers.push(at, Number.NaN);
    }
  }

  numbers(key: string): RingBuffer | undefined {
    return this.tracks.get(key)?.numbers;
  }

  /** Median of the recent update intervals, once at least 3 are known. */
  medianInterval(key: string): number | undefined {
    const intervals = this.tracks.get(key)?.intervals;
    if (!intervals || intervals.length < 3) return undefined;
    const sorted = [...intervals].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }

  /**
   * Stale: no update for longer than 3× the observed median interval and longer than 2 s.
   * Properties that only change on demand (no median yet) are never called stale.
   */
  isStale(key: string, now: number): boolean {
    const track = this.tracks.get(key);
    const median = this.medianInterval(key);
    if (!track || track.lastAt === undefined || median === undefined) return false;
    const age = now - track.lastAt;
    return age > 2000 && age > 3 * median;
  }

  forget(key: string): void {
    this.tracks.delete(key);
  }
}
