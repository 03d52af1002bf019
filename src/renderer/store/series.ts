/**
 * Bounded sample buffers kept outside React state: plots and staleness read them directly,
 * so a 10 Hz property costs a ring write, not a render.
 */
export class RingBuffer {
  /** Time and value side by side (time at 2i, value at 2i+1): a sample is one cache line. */
  private readonly data: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.data = new Float64Array(capacity * 2);
  }

  get length(): number {
    return this.count;
  }

  /** Slot of the `i`-th sample, oldest first. */
  private slot(i: number): number {
    const index = this.start + i;
    return 2 * (index >= this.capacity ? index - this.capacity : index);
  }

  push(time: number, value: number): void {
    const at = this.slot(this.count === this.capacity ? 0 : this.count);
    this.data[at] = time;
    this.data[at + 1] = value;
    if (this.count < this.capacity) this.count += 1;
    else this.start = this.start + 1 === this.capacity ? 0 : this.start + 1;
  }

  /** Oldest first. A NaN value marks a gap (the source was disconnected). */
  forEach(visit: (time: number, value: number, index: number) => void): void {
    for (let i = 0; i < this.count; i += 1) {
      const at = this.slot(i);
      visit(this.data[at] ?? 0, this.data[at + 1] ?? 0, i);
    }
  }

  /** The time of the `i`-th sample, oldest first (0 ≤ i < length). */
  timeAt(i: number): number {
    return this.data[this.slot(i)] ?? 0;
  }

  /** The value of the `i`-th sample, oldest first (0 ≤ i < length). */
  valueAt(i: number): number {
    return this.data[this.slot(i) + 1] ?? 0;
  }

  last(): { time: number; value: number } | undefined {
    if (this.count === 0) return undefined;
    const at = this.slot(this.count - 1);
    return { time: this.data[at] ?? 0, value: this.data[at + 1] ?? 0 };
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }
}

import { splitLiveKey } from './keys';

/** Update intervals the median (staleness) is taken over: the most recent ones. */
const INTERVALS_KEPT = 32;
/** Arrivals kept per key for the update rate (about 6 s at 10 Hz); the intervals are theirs. */
const ARRIVALS_KEPT = 64;
/** The rate is measured over the arrivals of this recent span. */
const RATE_SPAN_MS = 5000;

interface KeyTrack {
  /** The Thing of the key. */
  readonly thing: string;
  numbers: RingBuffer | undefined;
  lastAt: number | undefined;
  /**
   * Recent arrivals, oldest first: receive time, and live-channel sequence (0 when unknown) as
   * the value. The update intervals are the steps between them. A fixed ring: a sample costs
   * a few writes, whatever was kept before it.
   */
  arrivals: RingBuffer;
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

/** Median of the most recent update intervals (steps forward in time between arrivals), once at least 3 are known. */
function medianInterval(arrivals: RingBuffer): number | undefined {
  // A clock that went back gives no step.
  const intervals: number[] = [];
  for (let i = arrivals.length - 1; i > 0 && intervals.length < INTERVALS_KEPT; i -= 1) {
    const step = arrivals.timeAt(i) - arrivals.timeAt(i - 1);
    if (step >= 0) intervals.push(step);
  }
  if (intervals.length < 3) return undefined;
  intervals.sort((a, b) => a - b);
  return intervals[Math.floor(intervals.length / 2)];
}

/**
 * The renderer's one source of samples, outside React state: per live key the recent numeric
 * samples (tile and table trends, the live tail of charts), recent update intervals
 * (staleness), the update rate and listeners for charts. Times in the rings are the host's
 * (publish) times, so the live tail lines up with the recorder's history.
 */
export class SeriesRegistry {
  private readonly tracks = new Map<string, KeyTrack>();
  /** The same tracks by Thing: what a Thing's activity and gaps look at, without scanning every key. */
  private readonly byThing = new Map<string, Map<string, KeyTrack>>();
  private readonly listeners = new Map<string, Set<SampleListener>>();
  /** Smallest (receive − publish) seen: this window's clock minus the host's, plus the fastest delivery. */
  private offset: number | undefined;

  constructor(readonly capacity = 300) {}

  record(key: string, value: unknown, at: number, source?: SampleSource): void {
    let track = this.tracks.get(key);
    if (!track) {
      const { thing } = splitLiveKey(key);
      track = { thing, numbers: undefined, lastAt: undefined, arrivals: new RingBuffer(ARRIVALS_KEPT) };
      this.tracks.set(key, track);
      let ofThing = this.byThing.get(thing);
      if (!ofThing) {
        ofThing = new Map();
        this.byThing.set(thing, ofThing);
      }
      ofThing.set(key, track);
    }
    track.lastAt = at;
    track.arrivals.push(at, source?.seq ?? 0);
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
    for (const [key, track] of this.byThing.get(thing) ?? []) {
      if (track.numbers) {
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
    if (!track || track.arrivals.length < 2) return undefined;
    const arrivals = track.arrivals;
    const last = arrivals.length - 1;
    const lastAt = arrivals.timeAt(last);
    // Silent for longer than the span: nothing arrives now.
    if (now - lastAt > RATE_SPAN_MS) return { received: 0, offered: 0, lost: 0 };
    let first = last;
    while (first > 0 && lastAt - arrivals.timeAt(first - 1) <= RATE_SPAN_MS) first -= 1;
    if (first === last) return undefined;
    const seconds = (lastAt - arrivals.timeAt(first)) / 1000;
    if (seconds <= 0) return undefined;
    const received = (last - first) / seconds;
    const seqFirst = arrivals.valueAt(first);
    const seqLast = arrivals.valueAt(last);
    const offered = seqFirst > 0 && seqLast > seqFirst ? (seqLast - seqFirst) / seconds : received;
    return { received, offered: Math.max(offered, received), lost: Math.max(0, offered - received) };
  }

  private notify(key: string, time: number, value: number): void {
    if (this.listeners.size === 0) return;
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
    for (const track of this.byThing.get(thing)?.values() ?? []) {
      const at = track.lastAt;
      if (at !== undefined && (lastAt === undefined || at > lastAt)) lastAt = at;
      const median = medianInterval(track.arrivals);
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
    const arrivals = this.tracks.get(key)?.arrivals;
    return arrivals ? medianInterval(arrivals) : undefined;
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
    const track = this.tracks.get(key);
    if (!track) return;
    this.tracks.delete(key);
    const ofThing = this.byThing.get(track.thing);
    ofThing?.delete(key);
    if (ofThing?.size === 0) this.byThing.delete(track.thing);
  }
}
