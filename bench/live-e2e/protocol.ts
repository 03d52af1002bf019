// What the live end-to-end benchmark and its page agree on. Imported by both sides, so it
// stays free of Node and DOM code.

/** The Thing whose properties and action messages the benchmark publishes. */
export const BENCH_THING = 'bench';
/** The action whose messages carry a sequence number (the invocation output). */
export const BENCH_ACTION = 'step';
/** Property names p0000…p0999. */
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
  /** Count per whole millisecond of (store apply time − publish time); index LATENCY_BINS-1 holds the rest. */
  latencyHistogram: number[];
  maxLatencyMs: number;
  minLatencyMs: number;
  /** Time spent in the page's batch listeners (store apply + this probe), ms. */
  applyMs: number;
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
  actions(): PageActionReport;
}
