import type { LiveBatch, Role } from '../../shared/contract';
import type { SliceCreator } from './types';

/** State of the link between this window and the Lab Monitor host (IPC or WebSocket). */
export type LinkStatus = 'connecting' | 'connected' | 'reconnecting' | 'refused';

export interface LinkState {
  host: 'electron' | 'browser';
  status: LinkStatus;
  /** ms since the epoch: when this state began. */
  since: number;
  /** Reconnect attempts since the link was lost. */
  attempt: number;
  /** ms since the epoch: the next attempt, while reconnecting. */
  nextAttempt?: number;
  reason?: string;
}

export interface LiveStats {
  batches: number;
  lastBatchSeq: number;
  /** Batches that never arrived (gaps in the batch sequence). */
  missedBatches: number;
  /** Action messages missing on a key (gaps in its sequence); property gaps are conflation. */
  skipped: number;
  conflated: number;
  dropped: number;
}

export interface ConnectionSlice {
  link: LinkState;
  stats: LiveStats;
  setLink(link: LinkState): void;
  /** What the server lets this client do; null until it has said (controls stay hidden meanwhile). */
  role: Role | null;
  setRole(role: Role): void;
}

export const emptyStats = (): LiveStats => ({ batches: 0, lastBatchSeq: 0, missedBatches: 0, skipped: 0, conflated: 0, dropped: 0 });

/** The stats after one batch: its own counts, and the batches missed before it. */
export function reduceStats(stats: LiveStats, batch: Pick<LiveBatch, 'seq' | 'conflated' | 'dropped'>): LiveStats {
  const next: LiveStats = { ...stats, batches: stats.batches + 1 };
  if (next.lastBatchSeq > 0 && batch.seq > next.lastBatchSeq + 1) next.missedBatches += batch.seq - next.lastBatchSeq - 1;
  next.lastBatchSeq = batch.seq;
  next.conflated += batch.conflated;
  next.dropped += batch.dropped;
  return next;
}

export const createConnectionSlice: SliceCreator<ConnectionSlice> = (set) => ({
  link: { host: 'browser', status: 'connecting', since: Date.now(), attempt: 0 },
  stats: emptyStats(),
  setLink: (link) => set({ link }),
  role: null,
  setRole: (role) => set({ role }),
});
