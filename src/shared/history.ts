import { z } from 'zod';

/**
 * What the recorder answers about the past: series reduced in the database to what a chart
 * can show, the event timeline, and exports. Request times are ISO 8601 UTC (`Z`); series
 * times travel as ms since the epoch in columnar arrays, which is what charts consume.
 */

const name = z.string().min(1).max(200);
const isoTime = z.iso.datetime({ offset: true });

export const SeriesKey = z.object({ thing: name, property: name });
export type SeriesKey = z.infer<typeof SeriesKey>;

export const SeriesRequest = z.object({
  series: z.array(SeriesKey).min(1).max(64),
  from: isoTime,
  to: isoTime,
  /** Buckets per property at most (one per pixel column of the chart). */
  maxPoints: z.number().int().min(1).max(10_000),
});
export type SeriesRequest = z.infer<typeof SeriesRequest>;

/**
 * One property's history. When it has no more points than `maxPoints` in the range they come
 * raw (`decimated: false`, each "bucket" one sample with count 1); else each bucket keeps
 * first/min/max/last so spikes survive. `t` is each bucket's first sample time (ms).
 */
export const SeriesData = z.object({
  thing: z.string(),
  property: z.string(),
  unit: z.string().nullable(),
  decimated: z.boolean(),
  /** Bucket width in ms when decimated, else null. */
  bucketMs: z.number().nullable(),
  t: z.array(z.number()),
  first: z.array(z.number()),
  min: z.array(z.number()),
  max: z.array(z.number()),
  last: z.array(z.number()),
  count: z.array(z.number().int()),
});
export type SeriesData = z.infer<typeof SeriesData>;

/** A span when a Thing was not connected (`to` null: still not connected at the range's end). */
export const GapSpan = z.object({ thing: z.string(), from: z.number(), to: z.number().nullable(), reason: z.string().optional() });
export type GapSpan = z.infer<typeof GapSpan>;

export const SeriesResponse = z.object({
  series: z.array(SeriesData),
  gaps: z.array(GapSpan),
});
export type SeriesResponse = z.infer<typeof SeriesResponse>;

export const EventKind = z.enum(['property', 'action', 'write', 'connection', 'alarm']);
export type EventKind = z.infer<typeof EventKind>;

/** One entry of the timeline, as the recorder kept it. */
export const HistoryEvent = z.object({
  /** Stable and unique; also the paging cursor. */
  id: z.string(),
  time: z.string(),
  thing: z.string(),
  kind: EventKind,
  affordance: z.string(),
  /** One line for the timeline ("rampTo completed", "setpoint ← 25 °C by operator client-3"). */
  summary: z.string(),
  /** The recorded payload (value, invocation, connection state, alarm transition). */
  detail: z.unknown(),
});
export type HistoryEvent = z.infer<typeof HistoryEvent>;

export const EventsRequest = z.object({
  from: isoTime.optional(),
  to: isoTime.optional(),
  /** Paging backwards: only events older than this cursor (a HistoryEvent id). */
  before: z.string().max(200).optional(),
  things: z.array(name).max(200).optional(),
  kinds: z.array(EventKind).optional(),
  /** Free text, matched case-insensitively against Thing, affordance and summary. */
  text: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(1000).default(200),
});
export type EventsRequest = z.input<typeof EventsRequest>;

/** Newest first; `next` is the cursor for the page before, null when there is none. */
export const EventsResponse = z.object({ events: z.array(HistoryEvent), next: z.string().nullable() });
export type EventsResponse = z.infer<typeof EventsResponse>;

/** Where recording is going and the operator's retention settings, for the header and the README. */
export const RecorderDetails = z.object({
  /** Updates lost because recording was paused or fell behind (never silent). */
  dropped: z.number().int().nonnegative(),
  /** Retention: data older than this many days goes first. */
  maxAgeDays: z.number().positive(),
  /** Retention: the oldest data goes once the recording grows beyond this many bytes. */
  maxBytes: z.number().positive(),
});
export type RecorderDetails = z.infer<typeof RecorderDetails>;

export const RecorderState = z.enum(['recording', 'paused', 'off']);
export const RecorderStatus = z.object({
  state: RecorderState,
  /** Why it is paused or off (disk full, write error, no data folder). */
  reason: z.string().optional(),
  /** Oldest data kept (ISO), if any. */
  since: z.string().nullable(),
  bytes: z.number().nonnegative(),
  /** Added by the recorder: losses and retention settings. */
  details: RecorderDetails.optional(),
});
export type RecorderStatus = z.infer<typeof RecorderStatus>;

export const ExportFormat = z.enum(['csv', 'csv-wide', 'parquet']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/**
 * What to export: a time range and the Things (every property of each) and/or single
 * properties; all of them when neither is given. `csv` is long form (time, Thing, property,
 * value, unit), `csv-wide` one column per property headed `Title [unit]`, `parquet` the long
 * form with typed columns and the Thing Descriptions in the file's metadata.
 */
export const ExportRequest = z.object({
  from: isoTime,
  to: isoTime,
  things: z.array(name).max(200).optional(),
  series: z.array(SeriesKey).max(500).optional(),
  format: ExportFormat.default('csv'),
});
export type ExportRequest = z.input<typeof ExportRequest>;

/** Desktop: the file was written where the operator chose (null path: the dialog was cancelled). */
export const ExportResult = z.object({
  path: z.string().nullable(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
});
export type ExportResult = z.infer<typeof ExportResult>;

/** Browser mode downloads exports over HTTP: GET EXPORT_PATH?request=<ExportRequest as JSON>. */
export const EXPORT_PATH = '/export';

/** The recorder publishes each batch of newly recorded timeline events here (payload: HistoryEvent[]). */
export const EVENTS_AFFORDANCE = 'events';
