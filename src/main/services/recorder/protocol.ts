import type { LabErrorData } from '../../../shared/errors';
import type { EventsQuery, ExportQuery, RetentionSettings, SeriesQuery } from './queries';

/** What the recorder (main thread) and its database worker say to each other. */

export interface SeriesRow {
  sid: number;
  thing: string;
  property: string;
}

export interface EventRow {
  id: number;
  /** ms since the epoch */
  t: number;
  thing: string;
  kind: string;
  affordance: string;
  summary: string;
  /** The payload as JSON text. */
  detail: string;
}

export interface TdRow {
  t: number;
  thing: string;
  td: string;
}

/** One batch of everything recorded since the last one; numeric samples as columns. */
export interface AppendBatch {
  type: 'append';
  series: SeriesRow[];
  numT: Float64Array;
  numSid: Int32Array;
  numV: Float64Array;
  valT: number[];
  valSid: number[];
  valJson: string[];
  events: EventRow[];
  tds: TdRow[];
}

export interface QueryOps {
  series: { args: SeriesQuery; result: import('../../../shared/history').SeriesResponse };
  events: { args: EventsQuery; result: import('../../../shared/history').EventsResponse };
  export: { args: { query: ExportQuery; file: string }; result: import('./queries').ExportOutcome };
  figures: { args: Record<string, never>; result: { usedBytes: number; since: number | null; fileBytes: number } };
  retention: { args: RetentionSettings & { now: number }; result: import('./queries').RetentionOutcome };
  /** Brings the 10 s rollup up to `now` (it also runs by itself every 10 s). */
  rollup: { args: { now: number }; result: number };
}
export type QueryOp = keyof QueryOps;

export type ToWorker =
  | { type: 'open'; file: string }
  | AppendBatch
  | { [K in QueryOp]: { type: 'query'; id: number; op: K; args: QueryOps[K]['args'] } }[QueryOp]
  /** Makes every write fail with this message until cleared (null): how tests inject a disk fault. */
  | { type: 'inject-fault'; message: string | null }
  | { type: 'resume' }
  | { type: 'close' };

export type FromWorker =
  | { type: 'opened'; series: SeriesRow[]; lastEventId: number; movedAside?: { to: string; reason: string } }
  | { type: 'open-failed'; locked: boolean; message: string }
  | { type: 'appended'; rows: number }
  | { type: 'write-failed'; message: string; lost: number }
  | { type: 'resumed' }
  | { type: 'resume-failed'; message: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: LabErrorData }
  | { type: 'closed' };
