import type { LiveBatch } from '../../shared/contract';
import type { SliceCreator } from './types';

export interface LiveValue {
  value: unknown;
  /** Publish time from the host (ms since the epoch); the read time for values read once. */
  time: number;
  /**
   * When this window received it. Ages and staleness use it: it is on this machine's clock,
   * so a remote observer with a skewed clock still sees honest ages.
   */
  receivedAt: number;
  /** Per-key sequence number of the live channel; 0 for a value read once. */
  seq: number;
}

/** What a batch asked the caller to do that the store cannot do itself. */
export interface BatchOutcome {
  /** Invocations whose messages may have been lost (a seq gap on their action key): refetch them. */
  refetch: { thing: string; id: string }[];
  /** Recorded events were conflated or lost on the way: ask the recorder for the timeline again. */
  reloadTimeline?: boolean;
}

export interface LiveSlice {
  live: Record<string, LiveValue>;
  /** Applies a whole batch with exactly one setState. */
  applyBatch(batch: LiveBatch, receivedAt?: number): BatchOutcome;
  /** A value read once (lab:property:read); ignored if a live value arrived meanwhile. */
  setReadValue(thing: string, property: string, value: unknown, at?: number): void;
  /** The live channel was recreated (reconnect, reload): sequences start again at 1. */
  resetSequences(): void;
}

/** The slice's actions are wired in lab-store.ts, where all slices are reachable. */
export const createLiveSliceState = (): Pick<LiveSlice, 'live'> => ({ live: {} });

export type { SliceCreator };
