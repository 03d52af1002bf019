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
/** Arrivals kept per key for the update rate (about 6 s at 10 Hz). */
const ARRIVALS_KEPT = 64;
/** The rate is measured over the arrivals of this recent span. */
const RATE_SPAN_MS = 5000;

interface KeyTrack {
  numbers: RingBuffer | undefined;
  lastAt: number | undefined;
  intervals: number[];
  /** Recent arrivals: receive time and live-channel sequence (0 when unknown), oldest first. */
  arrivalAt: number[];
  arrivalSeq: number[];
}

/** Where a sample came from: the host's publish time and the live channel's per-key sequence. */
export interface SampleSource {
  time: number;
  seq: number;
}

/** A numeric sample as charts receive it: time on the host's clock (ms). NaN value: a gap. */
export type SampleListener = (time: number, value: number) => void;

/**
 * Update rate of one key: `received` per second that reached this window, `offered` per
 * second the host published (from the sequence numbers); the difference was conflated or
 * dropped on the way.
 */
export interface KeyRate {
  received: number;
  offered: number;
  /** Updates per second that did not arrive (offered − received, never negative). */
  lost: number;
}

/**
 * The renderer's one source of samples, outside React state: per live key the recent numeric
 * samples (tile and table trends, the live tail of charts), recent update intervals
 * (staleness), the update rate and listeners for charts. Times in the rings are the host's
 * (publish) times, so the live tail lines up with the recorder's history.
 */
export class SeriesRegistry {
  private readonly tracks = new Map<string, KeyTrack>();
  private readonly listeners = new Map<string, Set<SampleListener>>();
  /** Smallest (receive − publish) seen: this window's clock minus the host's, plus the fastest delivery. */
  private offset: number | undefined;

  constructor(readonly capacity = 300) {}

  record(key: string, value: unknown, at: number, source?: SampleSource): void {
    let track = this.tracks.get(key);
    if (!track) {
      track = { numbers: undefined, lastAt: undefined, intervals: [], arrivalAt: [], arrivalSeq: [] };
      this.tracks.set(key, track);
    }
    if (track.lastAt !== undefined && at >= track.lastAt) {
      track.intervals.push(at - track.lastAt);
      if (track.intervals.length > INTERVALS_KEPT) track.intervals.shift();
    }
    track.lastAt = at;
    track.arrivalAt.push(at);
    track.arrivalSeq.push(source?.seq ?? 0);
    if (track.arrivalAt.length > ARRIVALS_KEPT) {
      track.arrivalAt.shift();
      track.arrivalSeq.shift();
    }
    if (source) this.offset = this.offset === undefined ? at - source.time : Math.min(this.offset, at - source.time);
    if (typeof value === 'number' && Number.isFinite(value)) {
      const time = source?.time ?? this.hostTime(at);
      track.numbers ??= new RingBuffer(this.capacity);
      track.numbers.push(time, value);
      this.notify(key, time, value);
    }
  }

  /**
   * Breaks every numeric series of a Thing at `at` (its connection was lost): plots draw no
   * line across the time nothing was known.
   */
  markGap(thing: string, at: number): void {
    const time = this.hostTime(at);
    for (const [key, track] of this.tracks) {
      if (track.numbers && splitLiveKey(key).thing === thing) {
        track.numbers.push(time, Number.NaN);
        this.notify(key, time, Number.NaN);
      }
    }
  }

  /** Numeric samples of `key` as they arrive (and NaN for a gap), until the disposer runs. */
  listen(key: string, listener: SampleListener): () => void {
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(key);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(key);
    };
  }

  /** A time on this window's clock as the host's clock would read it. */
  hostTime(localTime: number): number {
    return localTime - (this.offset ?? 0);
  }

  /** Now, on the host's clock (what "live" means on a chart's time axis). */
  hostNow(): number {
    return this.hostTime(Date.now());
  }

  /** Update rate over the last few seconds; undefined until two arrivals are known. */
  rate(key: string, now: number): KeyRate | undefined {
    const track = this.tracks.get(key);
    if (!track || track.arrivalAt.length < 2) return undefined;
    const times = track.arrivalAt;
    const last = times.length - 1;
    const lastAt = times[last] ?? 0;
    // Silent for longer than the span: nothing arrives now.
    if (now - lastAt > RATE_SPAN_MS) return { received: 0, offered: 0, lost: 0 };
    let first = last;
    while (first > 0 && lastAt - (times[first - 1] ?? 0) <= RATE_SPAN_MS) first -= 1;
    if (first === last) return undefined;
    const seconds = (lastAt - (times[first] ?? 0)) / 1000;
    if (seconds <= 0) return undefined;
    const received = (last - first) / seconds;
    const seqFirst = track.arrivalSeq[first] ?? 0;
    const seqLast = track.arrivalSeq[last] ?? 0;
    const offered = seqFirst > 0 && seqLast > seqFirst ? (seqLast - seqFirst) / seconds : received;
    return { received, offered: Math.max(offered, received), lost: Math.max(0, offered - received) };
  }

  private notify(key: string, time: number, value: number): void {
    const set = this.listeners.get(key);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(time, value);
      } catch (error) {
        console.error('series listener failed', error);
      }
    }
  }

  /**
   * A Thing's whole stream: when anything of it last arrived (this window's clock) and the
   * shortest usual interval among its properties (undefined until one has a rhythm).
   */
  thingActivity(thing: string): { lastAt: number | undefined; interval: number | undefined } {
    let lastAt: number | undefined;
    let interval: number | undefined;
    for (const key of this.tracks.keys()) {
      if (splitLiveKey(key).thing !== thing) continue;
      const at = this.tracks.get(key)?.lastAt;
      if (at !== undefined && (lastAt === undefined || at > lastAt)) lastAt = at;
      const median = this.medianInterval(key);
      if (median !== undefined && (interval === undefined || median < interval)) interval = median;
    }
    return { lastAt, interval };
  }

  /** When `key` last arrived (this window's clock), if ever. */
  lastAt(key: string): number | undefined {
    return this.tracks.get(key)?.lastAt;
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
