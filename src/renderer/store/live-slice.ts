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
}

export interface LiveSlice {
  /**
   * The latest value per live key (`liveKey(thing, affordance)`). Each update is a new
   * `LiveValue`, but the record itself is updated in place (a batch costs its items, not the
   * properties known): select an entry (`state.live[key]`), never the record as a whole.
   */
  live: Record<string, LiveValue>;
  /** Last live-channel sequence number per key (bookkeeping nobody renders). */
  liveSeq: Map<string, number>;
  /** Applies a whole batch with exactly one setState. */
  applyBatch(batch: LiveBatch, receivedAt?: number): BatchOutcome;
  /**
   * A value read once (lab:property:read). Without `readSince` it is ignored when any value is
   * held; with it (when the read was asked), it replaces a value received before then.
   */
  setReadValue(thing: string, property: string, value: unknown, at?: number, readSince?: number): void;
  /** The live channel was recreated (reconnect, reload): sequences start again at 1. */
  resetSequences(): void;
}

/** The slice's actions are wired in lab-store.ts, where all slices are reachable. */
export const createLiveSliceState = (): Pick<LiveSlice, 'live' | 'liveSeq'> => ({ live: {}, liveSeq: new Map() });

/**
 * Where an item stands against the sequence held for its key (and records it): `stale` if
 * it is older than or equal to what we hold (a replay after a reconnect race: never go back),
 * else the number of sequence numbers skipped since the previous one (0 for none).
 */
export function advanceSeq(seqs: Map<string, number>, key: string, seq: number): number | 'stale' {
  const previous = seqs.get(key) ?? 0;
  if (seq <= previous) return 'stale';
  seqs.set(key, seq);
  return previous > 0 ? seq - previous - 1 : 0;
}

/** Writes one value into a live record the caller owns; returns the one it replaced. */
export function putLiveValue(
  live: Record<string, LiveValue>,
  key: string,
  value: unknown,
  time: number,
  receivedAt: number,
  seq: number,
): LiveValue | undefined {
  const previous = live[key];
  live[key] = { value, time, receivedAt, seq };
  return previous;
}

export type { SliceCreator };
