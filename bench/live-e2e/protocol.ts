// What the live end-to-end benchmark and its page agree on. Imported by both sides, so it
// stays free of Node and DOM code.

/** The Thing whose properties and action messages the benchmark publishes. */
export const BENCH_THING = 'bench';
/** The action whose messages carry a sequence number (the invocation output). */
export const BENCH_ACTION = 'step';
/**
 * Property names p0000…p9999. Each property message's payload is its tick: the number of
 * the publisher's burst it belongs to, from 0. Every tick publishes every property once, so
 * the live channel's per-key sequence number of an update is its tick + 1.
 */
export const propertyName = (index: number): string => `p${String(index).padStart(4, '0')}`;

/** Latencies are binned per millisecond up to this bound; later ones land in the last bin. */
export const LATENCY_BINS = 10_000;

export interface PageWindowReport {
  /** Page clock (Date.now) when measuring started and stopped. */
  startedAt: number;
  stoppedAt: number;
  batches: number;
  items: number;
  /** Property values that landed in the store (their seq is the one the store holds after applyBatch). */
  applied: number;
  /** Updates the live channel reported as conflated in the batches of this window. */
  conflated: number;
  /** Messages the live channel reported as dropped in the batches of this window. */
  dropped: number;
  /** Time spent in the page's batch listeners (store apply + this probe), ms. */
  applyMs: number;
  /** Property items whose payload was not their tick (seq − 1): the latency accounting would be wrong. */
  misaligned: number;
}

/**
 * Latency of every update published in ticks [firstTick, endTick), conflated ones included:
 * an update counts as shown when it, or a newer value of its key, landed in the store, and
 * its latency is that landing time − its own publish time (the flush wait included).
 */
export interface PageLatencyReport {
  /** Updates of those ticks accounted for (should be properties × ticks). */
  updates: number;
  /** Count per whole millisecond; index LATENCY_BINS-1 holds the rest. */
  latencyHistogram: number[];
  maxLatencyMs: number;
}

export interface PageActionReport {
  /** Distinct action sequence numbers seen since the page started. */
  distinct: number;
  /** Highest sequence number seen. */
  highest: number;
  /** Sequence numbers seen more than once. */
  duplicates: number;
  /** Invocations of the bench action held by the store now (bounded by the store). */
  inStore: number;
}

export interface PageProbe {
  /** Resolves once the socket is open and the live subscription answered. */
  ready(): Promise<boolean>;
  /** Batches received so far with at least one bench property. */
  propertyBatches(): number;
  start(): void;
  stop(): PageWindowReport;
  /** `tickTimes[k]` is when tick k was published (Date.now, the same clock as the page's). */
  latency(tickTimes: number[], firstTick: number, endTick: number): PageLatencyReport;
  actions(): PageActionReport;
}
