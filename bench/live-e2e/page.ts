// The benchmark page: the renderer's real WebSocket LabApi, lab client and store, wired as
// the app's LabController wires them (one applyBatch per batch), plus a probe that reads
// back from the store what landed and when. Bundled at bench time; see ../live-e2e.bench.ts.
import { LabClient } from '../../src/renderer/lab/lab-client';
import { createWsLabApi, wsUrlFromLocation } from '../../src/renderer/lab/ws-lab-api';
import { liveKey } from '../../src/renderer/store/keys';
import { createLabStore } from '../../src/renderer/store/lab-store';
import { ANY_AFFORDANCE } from '../../src/shared/model';
import {
  BENCH_ACTION,
  BENCH_THING,
  LATENCY_BINS,
  type PageActionReport,
  type PageLatencyReport,
  type PageProbe,
  type PageWindowReport,
} from './protocol';

const store = createLabStore();
let resolveOpen: (open: boolean) => void = () => {};
const opened = new Promise<boolean>((resolve) => (resolveOpen = resolve));
const api = createWsLabApi({
  url: wsUrlFromLocation(window.location),
  onState: (state) => {
    if (state.status === 'connected') resolveOpen(true);
  },
});
const client = new LabClient(api, (error) => console.error(`subscribe failed: ${error.message}`));

// Measuring window.
let measuring = false;
let window0: PageWindowReport = emptyWindow();
let propertyBatches = 0;

// Landings since start(): per landed item, the ticks it made visible (those after the key's
// previous landing, up to its own) and when. Typed arrays, grown by doubling: cheap to write.
let logging = false;
let landedFrom = new Int32Array(1 << 16);
let landedTo = new Int32Array(1 << 16);
let landedAt = new Float64Array(1 << 16);
let landings = 0;
/** Per key: the tick of the value that landed last (−1: none yet). */
const lastTick = new Map<string, number>();

function logLanding(from: number, to: number, at: number): void {
  if (landings === landedAt.length) {
    const grow = <T extends Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(old.length * 2);
      next.set(old);
      return next;
    };
    landedFrom = grow(landedFrom, (n) => new Int32Array(n));
    landedTo = grow(landedTo, (n) => new Int32Array(n));
    landedAt = grow(landedAt, (n) => new Float64Array(n));
  }
  landedFrom[landings] = from;
  landedTo[landings] = to;
  landedAt[landings] = at;
  landings += 1;
}

// Action sequence numbers, from the start.
const seen = new Set<number>();
let highest = 0;
let duplicates = 0;

function emptyWindow(): PageWindowReport {
  return {
    startedAt: 0,
    stoppedAt: 0,
    batches: 0,
    items: 0,
    applied: 0,
    conflated: 0,
    dropped: 0,
    applyMs: 0,
    misaligned: 0,
  };
}

const sequenceOf = (payload: unknown): number | undefined => {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const invocation: unknown = Reflect.get(payload, 'invocation');
  if (typeof invocation !== 'object' || invocation === null) return undefined;
  const output: unknown = Reflect.get(invocation, 'output');
  return typeof output === 'number' && Number.isInteger(output) ? output : undefined;
};

client.onLiveBatch((batch) => {
  const before = performance.now();
  store.getState().applyBatch(batch);
  const appliedAt = Date.now();
  const live = store.getState().live;
  let hasProperty = false;
  for (const item of batch.items) {
    if (item.thing !== BENCH_THING) continue;
    if (item.messageType === 'action') {
      const seq = item.affordance === BENCH_ACTION ? sequenceOf(item.payload) : undefined;
      if (seq === undefined) continue;
      if (seen.has(seq)) duplicates += 1;
      else seen.add(seq);
      if (seq > highest) highest = seq;
      continue;
    }
    hasProperty = true;
    // Landed: the store holds this very update (not an older or a newer one).
    const key = liveKey(item.thing, item.affordance);
    if (live[key]?.seq !== item.seq || typeof item.payload !== 'number') continue;
    const tick = item.payload;
    if (tick !== item.seq - 1 && measuring) window0.misaligned += 1;
    const previous = lastTick.get(key) ?? -1;
    lastTick.set(key, tick);
    if (logging) logLanding(previous + 1, tick, appliedAt);
    if (measuring) window0.applied += 1;
  }
  if (hasProperty) propertyBatches += 1;
  if (!measuring) return;
  window0.batches += 1;
  window0.items += batch.items.length;
  window0.conflated += batch.conflated;
  window0.dropped += batch.dropped;
  window0.applyMs += performance.now() - before;
});

let subscribed: Promise<boolean> | undefined;

const probe: PageProbe = {
  ready() {
    subscribed ??= opened.then(async () => {
      // As the app does for the selected Thing: one '*' subscription through the ref-counted client.
      client.subscribe(BENCH_THING, ANY_AFFORDANCE);
      // A call answered after the subscribe call proves the server has registered it.
      const list = await client.listThings();
      return list.ok;
    });
    return subscribed;
  },
  propertyBatches: () => propertyBatches,
  start() {
    window0 = emptyWindow();
    window0.startedAt = Date.now();
    measuring = true;
    logging = true;
    landings = 0;
  },
  stop() {
    measuring = false;
    window0.stoppedAt = Date.now();
    return { ...window0 };
  },
  latency(tickTimes, firstTick, endTick): PageLatencyReport {
    logging = false;
    const histogram = new Uint32Array(LATENCY_BINS);
    let updates = 0;
    let maxLatencyMs = 0;
    for (let i = 0; i < landings; i += 1) {
      const at = landedAt[i] as number;
      const from = Math.max(landedFrom[i] as number, firstTick);
      const to = Math.min(landedTo[i] as number, endTick - 1);
      for (let tick = from; tick <= to; tick += 1) {
        const latency = Math.max(0, at - (tickTimes[tick] ?? at));
        const bin = Math.min(LATENCY_BINS - 1, Math.floor(latency));
        histogram[bin] = (histogram[bin] ?? 0) + 1;
        if (latency > maxLatencyMs) maxLatencyMs = latency;
        updates += 1;
      }
    }
    return { updates, latencyHistogram: Array.from(histogram), maxLatencyMs };
  },
  actions(): PageActionReport {
    const invocations = Object.values(store.getState().invocations).filter((invocation) => invocation.thing === BENCH_THING);
    return { distinct: seen.size, highest, duplicates, inStore: invocations.length };
  },
};

Reflect.set(window, 'benchProbe', probe);
