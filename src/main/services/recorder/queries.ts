import { statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type {
  EventKind,
  EventsResponse,
  ExportFormat,
  GapSpan,
  HistoryEvent,
  SeriesData,
  SeriesKey,
  SeriesResponse,
} from '../../../shared/history';
import { ROLLUP_MS, sqlIdentifier, sqlString } from './database';

/**
 * The questions asked of a recording, in SQL: used by the recorder's worker and by the
 * command-line export. Times cross as ms since the epoch; the database keeps TIMESTAMP.
 */

export interface SeriesQuery {
  series: SeriesKey[];
  from: number;
  to: number;
  maxPoints: number;
}

/** How far (ms) num_10s is complete; rows before it are rolled up. */
export async function rollupWatermark(connection: DuckDBConnection): Promise<number> {
  const [row] = await rows(connection, "SELECT value FROM meta WHERE key = 'rollup_watermark'");
  return row ? Number(row[0]) : 0;
}

/**
 * Rolls num up into num_10s from the watermark to the last whole chunk that ended at least
 * `settleMs` before `now` (rows arrive within a batch interval), in one transaction with the
 * new watermark, so a kill leaves both consistent. Returns the new watermark.
 */
export async function rollUp(connection: DuckDBConnection, now: number, settleMs = 2000): Promise<number> {
  const watermark = await rollupWatermark(connection);
  const target = Math.floor((now - settleMs) / ROLLUP_MS) * ROLLUP_MS;
  if (target <= watermark) return watermark;
  await connection.run('BEGIN TRANSACTION');
  try {
    await connection.run(
      `INSERT INTO num_10s SELECT sid, (epoch_ms(t) // ${ROLLUP_MS}) * ${ROLLUP_MS} AS c, min(epoch_ms(t)), max(epoch_ms(t)),
         arg_min(v, rowid), min(v), max(v), arg_max(v, rowid), count(*)::INTEGER
       FROM num WHERE t >= ${ms(watermark)} AND t < ${ms(target)} AND isfinite(v) GROUP BY sid, c`,
    );
    await connection.run(`INSERT OR REPLACE INTO meta VALUES ('rollup_watermark', '${target}')`);
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK');
    throw error;
  }
  return target;
}

export interface EventsQuery {
  from?: number;
  to?: number;
  before?: number;
  things?: string[];
  kinds?: EventKind[];
  text?: string;
  limit: number;
}

export interface ExportQuery {
  from: number;
  to: number;
  things?: string[];
  series?: SeriesKey[];
  format: ExportFormat;
}

const num = (value: unknown): number => (typeof value === 'bigint' ? Number(value) : Number(value));
const ms = (value: number): string => `epoch_ms(${Math.round(value)}::BIGINT)`;
const idList = (ids: readonly number[]): string => ids.map((id) => String(Math.trunc(id))).join(', ');

async function rows(connection: DuckDBConnection, sql: string, values?: (string | number)[]): Promise<unknown[][]> {
  const reader = await connection.runAndReadAll(sql, values);
  return reader.getRowsJS() as unknown[][];
}

/** Every (thing, property) → series id the recording knows. */
export async function loadSeriesIds(connection: DuckDBConnection): Promise<{ sid: number; thing: string; property: string }[]> {
  const found = await rows(connection, 'SELECT sid, thing, property FROM series ORDER BY sid');
  return found.map(([sid, thing, property]) => ({ sid: num(sid), thing: String(thing), property: String(property) }));
}

/** The Thing Description in force for each Thing at `at` (or the latest one), parsed. */
export async function thingDescriptions(connection: DuckDBConnection, things?: readonly string[], at?: number): Promise<Map<string, Record<string, unknown>>> {
  const where: string[] = [];
  const values: string[] = [];
  if (things && things.length > 0) {
    where.push(`thing IN (${things.map(() => '?').join(', ')})`);
    values.push(...things);
  }
  if (at !== undefined) where.push(`t <= ${ms(at)}`);
  let found = await rows(connection, `SELECT thing, arg_max(td, t) FROM tds ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY thing`, values);
  // A range before the first TD recorded: the earliest one known describes it best.
  if (at !== undefined && found.length < (things?.length ?? Infinity)) {
    const latest = await thingDescriptions(connection, things);
    const have = new Set(found.map(([thing]) => String(thing)));
    found = [...found, ...[...latest].filter(([thing]) => !have.has(thing)).map(([thing, td]) => [thing, JSON.stringify(td)])];
  }
  const result = new Map<string, Record<string, unknown>>();
  for (const [thing, text] of found) {
    try {
      const td: unknown = JSON.parse(String(text));
      if (typeof td === 'object' && td !== null) result.set(String(thing), td as Record<string, unknown>);
    } catch {
      // a TD that does not parse is skipped: titles and units fall back to names
    }
  }
  return result;
}

interface PropertyInfo {
  title: string;
  unit: string | null;
}

function propertyInfo(tds: Map<string, Record<string, unknown>>, thing: string, property: string): PropertyInfo & { thingTitle: string } {
  const td = tds.get(thing);
  const properties = td?.['properties'];
  const affordance =
    typeof properties === 'object' && properties !== null ? (properties as Record<string, unknown>)[property] : undefined;
  const field = (name: string): string | undefined => {
    const value = typeof affordance === 'object' && affordance !== null ? (affordance as Record<string, unknown>)[name] : undefined;
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const thingTitle = typeof td?.['title'] === 'string' ? td['title'] : thing;
  return { title: field('title') ?? property, unit: field('unit') ?? null, thingTitle };
}

// ------------------------------------------------------------------ series

/**
 * At most `maxPoints` buckets per property over [from, to], computed in the database:
 * first/min/max/last and count per bucket, or the raw points when there are no more than
 * maxPoints. Non-finite values (NaN, ±Infinity) are left out. Gaps: the spans in the range
 * where a Thing was not connected.
 */
export async function querySeries(
  connection: DuckDBConnection,
  query: SeriesQuery,
  sidOf: (thing: string, property: string) => number | undefined,
): Promise<SeriesResponse> {
  const { from, to, maxPoints } = query;
  const things = [...new Set(query.series.map((key) => key.thing))];
  const tds = await thingDescriptions(connection, things, to);
  const known = query.series.map((key) => ({ key, sid: sidOf(key.thing, key.property) }));
  const sids = known.flatMap(({ sid }) => (sid === undefined ? [] : [sid]));
  const range = `t >= ${ms(from)} AND t <= ${ms(to)} AND isfinite(v)`;

  const rawWidth = Math.max(1, Math.ceil((to - from + 1) / maxPoints));
  // Long ranges: whole 10 s chunks from the rollup, the partial ones at the ends from the
  // samples, so every bucket is exact. Buckets are then whole chunks wide and aligned to them.
  const watermark = rawWidth >= 2 * ROLLUP_MS ? await rollupWatermark(connection) : 0;
  const fullFrom = Math.ceil(from / ROLLUP_MS) * ROLLUP_MS;
  const fullTo = Math.min(Math.floor((to + 1) / ROLLUP_MS) * ROLLUP_MS, watermark);
  const useRollup = rawWidth >= 2 * ROLLUP_MS && fullTo > fullFrom;
  const origin = useRollup ? Math.floor(from / ROLLUP_MS) * ROLLUP_MS : Math.round(from);
  const bucketMs = useRollup ? Math.ceil((to - origin + 1) / maxPoints / ROLLUP_MS) * ROLLUP_MS : rawWidth;
  const empty = (): Omit<SeriesData, 'thing' | 'property' | 'unit' | 'decimated' | 'bucketMs'> => ({
    t: [], first: [], min: [], max: [], last: [], count: [],
  });
  // One pass computes the buckets; a series with no more points than maxPoints is then read raw.
  const columns = new Map<number, ReturnType<typeof empty>>();
  const totals = new Map<number, number>();
  if (sids.length > 0) {
    const inSids = `sid IN (${idList(sids)})`;
    const sql = useRollup
      ? `WITH chunks AS (
           SELECT sid, c, t_first, t_last, first, min, max, last, n FROM num_10s WHERE ${inSids} AND c >= ${fullFrom} AND c < ${fullTo}
           UNION ALL
           SELECT sid, (epoch_ms(t) // ${ROLLUP_MS}) * ${ROLLUP_MS} AS c, min(epoch_ms(t)), max(epoch_ms(t)), arg_min(v, rowid), min(v), max(v), arg_max(v, rowid), count(*)::INTEGER
           FROM num WHERE ${inSids} AND ${range} AND (t < ${ms(fullFrom)} OR t >= ${ms(fullTo)}) GROUP BY sid, c)
         SELECT sid, (c - ${origin}) // ${bucketMs} AS b, min(t_first)::DOUBLE, arg_min(first, t_first), min(min), max(max), arg_max(last, t_last), sum(n)::INTEGER
         FROM chunks GROUP BY sid, b ORDER BY sid, b`
      : `SELECT sid, (epoch_ms(t) - ${origin}) // ${bucketMs} AS b, min(epoch_ms(t))::DOUBLE, arg_min(v, rowid), min(v), max(v), arg_max(v, rowid), count(*)::INTEGER
         FROM num WHERE ${inSids} AND ${range} GROUP BY sid, b ORDER BY sid, b`;
    const reader = await connection.runAndReadAll(sql);
    const [sidCol, , tCol, fCol, minCol, maxCol, lCol, cCol] = reader.getColumnsJS() as number[][];
    for (let i = 0; i < (sidCol?.length ?? 0); i++) {
      const sid = num(sidCol?.[i]);
      let data = columns.get(sid);
      if (!data) columns.set(sid, (data = empty()));
      const count = num(cCol?.[i]);
      data.t.push(tCol?.[i] as number);
      data.first.push(fCol?.[i] as number);
      data.min.push(minCol?.[i] as number);
      data.max.push(maxCol?.[i] as number);
      data.last.push(lCol?.[i] as number);
      data.count.push(count);
      totals.set(sid, (totals.get(sid) ?? 0) + count);
    }
  }
  const rawSids = sids.filter((sid) => (totals.get(sid) ?? 0) > 0 && (totals.get(sid) ?? 0) <= maxPoints);
  const bucketSids = sids.filter((sid) => (totals.get(sid) ?? 0) > maxPoints);
  if (rawSids.length > 0) {
    for (const sid of rawSids) columns.set(sid, empty());
    const reader = await connection.runAndReadAll(
      `SELECT sid, epoch_ms(t)::DOUBLE, v FROM num WHERE sid IN (${idList(rawSids)}) AND ${range} ORDER BY sid, t, rowid`,
    );
    const [sidCol, tCol, vCol] = reader.getColumnsJS() as [number[], number[], number[]];
    for (let i = 0; i < (sidCol?.length ?? 0); i++) {
      const data = columns.get(num(sidCol[i])) as ReturnType<typeof empty>;
      const v = vCol[i] as number;
      data.t.push(tCol[i] as number);
      data.first.push(v);
      data.min.push(v);
      data.max.push(v);
      data.last.push(v);
      data.count.push(1);
    }
  }

  const series: SeriesData[] = known.map(({ key, sid }) => {
    const decimated = sid !== undefined && bucketSids.includes(sid);
    return {
      thing: key.thing,
      property: key.property,
      unit: propertyInfo(tds, key.thing, key.property).unit,
      decimated,
      bucketMs: decimated ? bucketMs : null,
      ...((sid === undefined ? undefined : columns.get(sid)) ?? empty()),
    };
  });
  return { series, gaps: await queryGaps(connection, things, from, to) };
}

/** Spans of [from, to] when each Thing was not connected, from its recorded connection changes. */
export async function queryGaps(connection: DuckDBConnection, things: readonly string[], from: number, to: number): Promise<GapSpan[]> {
  if (things.length === 0) return [];
  const marks = things.map(() => '?').join(', ');
  const before = await rows(
    connection,
    `SELECT thing, arg_max(summary, id), arg_max(epoch_ms(t)::DOUBLE, id) FROM events
     WHERE kind = 'connection' AND thing IN (${marks}) AND t < ${ms(from)} GROUP BY thing`,
    [...things],
  );
  const inRange = await rows(
    connection,
    `SELECT thing, summary, epoch_ms(t)::DOUBLE FROM events
     WHERE kind = 'connection' AND thing IN (${marks}) AND t >= ${ms(from)} AND t <= ${ms(to)} ORDER BY id`,
    [...things],
  );
  const gaps: GapSpan[] = [];
  const open = new Map<string, GapSpan>();
  const apply = (thing: string, summary: string, at: number): void => {
    const status = summary.split(' ')[0];
    const current = open.get(thing);
    if (status === 'connected') {
      if (current) {
        current.to = at;
        open.delete(thing);
      }
    } else if (!current) {
      const reason = summary.includes(' — ') ? summary.slice(summary.indexOf(' — ') + 3) : undefined;
      const gap: GapSpan = { thing, from: Math.max(at, from), to: null, ...(reason ? { reason } : {}) };
      gaps.push(gap);
      open.set(thing, gap);
    }
  };
  for (const [thing, summary, at] of before) apply(String(thing), String(summary), num(at));
  for (const [thing, summary, at] of inRange) apply(String(thing), String(summary), num(at));
  return gaps;
}

// ------------------------------------------------------------------ events

const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Newest first, `limit` at most, older than `before` (an id), filtered by Things, kinds and text. */
export async function queryEvents(connection: DuckDBConnection, query: EventsQuery): Promise<EventsResponse> {
  const where: string[] = [];
  const values: (string | number)[] = [];
  if (query.before !== undefined) where.push(`id < ${Math.trunc(query.before)}`);
  if (query.from !== undefined) where.push(`t >= ${ms(query.from)}`);
  if (query.to !== undefined) where.push(`t <= ${ms(query.to)}`);
  if (query.things && query.things.length > 0) {
    where.push(`thing IN (${query.things.map(() => '?').join(', ')})`);
    values.push(...query.things);
  }
  if (query.kinds) {
    if (query.kinds.length === 0) return { events: [], next: null };
    where.push(`kind IN (${query.kinds.map(sqlString).join(', ')})`);
  }
  if (query.text !== undefined && query.text.trim() !== '') {
    const pattern = likePattern(query.text.trim());
    where.push("(thing ILIKE ? ESCAPE '\\' OR affordance ILIKE ? ESCAPE '\\' OR summary ILIKE ? ESCAPE '\\')");
    values.push(pattern, pattern, pattern);
  }
  const found = await rows(
    connection,
    `SELECT id::DOUBLE, epoch_ms(t)::DOUBLE, thing, kind, affordance, summary, detail FROM events
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${query.limit + 1}`,
    values,
  );
  const events = found.slice(0, query.limit).map(toHistoryEvent);
  const last = events[events.length - 1];
  return { events, next: found.length > query.limit && last ? last.id : null };
}

export function toHistoryEvent([id, t, thing, kind, affordance, summary, detail]: unknown[]): HistoryEvent {
  let parsed: unknown = null;
  if (typeof detail === 'string') {
    try {
      parsed = JSON.parse(detail);
    } catch {
      parsed = detail;
    }
  }
  return {
    id: String(num(id)),
    time: new Date(num(t)).toISOString(),
    thing: String(thing),
    kind: String(kind) as EventKind,
    affordance: String(affordance),
    summary: String(summary),
    detail: parsed,
  };
}

// ------------------------------------------------------------------ export

export interface ExportOutcome {
  rows: number;
  bytes: number;
}

const TIME_FORMAT = "'%Y-%m-%dT%H:%M:%S.%gZ'";

/**
 * Writes the selected properties over [from, to] to `file`: long CSV (time, thing, property,
 * value, unit), wide CSV (one column per property, `Title [unit]`) or Parquet (long form,
 * typed: value DOUBLE for numbers, value_json for everything else; the Thing Descriptions in
 * the file's key-value metadata under `thing_descriptions`). Times are ISO 8601 UTC.
 */
export async function exportRecording(connection: DuckDBConnection, query: ExportQuery, file: string): Promise<ExportOutcome> {
  const all = await loadSeriesIds(connection);
  const wantThings = new Set(query.things ?? []);
  const wantKeys = new Set((query.series ?? []).map((key) => `${key.thing}\u0000${key.property}`));
  const everything = wantThings.size === 0 && wantKeys.size === 0;
  const chosen = all.filter(
    (s) => !s.property.startsWith('$') && (everything || wantThings.has(s.thing) || wantKeys.has(`${s.thing}\u0000${s.property}`)),
  );
  const things = [...new Set(chosen.map((s) => s.thing))];
  const tds = await thingDescriptions(connection, things.length > 0 ? things : undefined);
  const infos = chosen.map((s) => ({ ...s, ...propertyInfo(tds, s.thing, s.property) }));

  const sids = chosen.length > 0 ? idList(chosen.map((s) => s.sid)) : 'NULL';
  const range = `sid IN (${sids}) AND t >= ${ms(query.from)} AND t <= ${ms(query.to)}`;
  // r: arrival order, for values recorded within the same millisecond.
  const data = `(SELECT t, sid, v, NULL::VARCHAR AS j, rowid AS r FROM num WHERE ${range}
                 UNION ALL SELECT t, sid, NULL::DOUBLE AS v, json AS j, rowid AS r FROM val WHERE ${range})`;
  const infoRows = infos.map((i) => `(${i.sid}, ${sqlString(i.thing)}, ${sqlString(i.property)}, ${i.unit === null ? 'NULL' : sqlString(i.unit)})`);
  const info = infoRows.length > 0
    ? `(VALUES ${infoRows.join(', ')}) AS s(sid, thing, property, unit)`
    : '(SELECT NULL::INTEGER AS sid, NULL::VARCHAR AS thing, NULL::VARCHAR AS property, NULL::VARCHAR AS unit WHERE false) AS s';
  // Text values are shown as text, other JSON (arrays, objects, booleans) as JSON.
  const textValue = "CASE WHEN d.j IS NULL THEN CAST(d.v AS VARCHAR) WHEN json_type(d.j::JSON) = 'VARCHAR' THEN d.j::JSON ->> '$' ELSE d.j END";

  let sql: string;
  if (query.format === 'csv') {
    sql = `COPY (SELECT strftime(d.t, ${TIME_FORMAT}) AS time, s.thing, s.property, ${textValue} AS value, s.unit
           FROM ${data} AS d JOIN ${info} USING (sid) ORDER BY d.t, s.thing, s.property, d.r)
           TO ${sqlString(file)} (FORMAT csv, HEADER true)`;
  } else if (query.format === 'csv-wide') {
    const manyThings = things.length > 1;
    const used = new Set<string>();
    const columns = infos.map((i) => {
      let heading = `${manyThings ? `${i.thingTitle} ` : ''}${i.title}${i.unit ? ` [${i.unit}]` : ''}`;
      if (used.has(heading) || heading === 'time') heading = `${heading} (${i.thing}/${i.property})`;
      used.add(heading);
      // The last value recorded in that millisecond.
      return `arg_max(CASE WHEN j IS NULL THEN CAST(v AS VARCHAR) WHEN json_type(j::JSON) = 'VARCHAR' THEN j::JSON ->> '$' ELSE j END, r) FILTER (WHERE sid = ${i.sid}) AS ${sqlIdentifier(heading)}`;
    });
    sql = `COPY (SELECT strftime(t, ${TIME_FORMAT}) AS time${columns.length > 0 ? `, ${columns.join(', ')}` : ''}
           FROM ${data} AS d GROUP BY t ORDER BY t)
           TO ${sqlString(file)} (FORMAT csv, HEADER true)`;
  } else {
    const described = Object.fromEntries([...tds].filter(([thing]) => things.includes(thing)));
    sql = `COPY (SELECT d.t AS time, s.thing, s.property, d.v AS value, d.j AS value_json, s.unit
           FROM ${data} AS d JOIN ${info} USING (sid) ORDER BY d.t, s.thing, s.property, d.r)
           TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd, KV_METADATA {thing_descriptions: ${sqlString(JSON.stringify(described))}, time_zone: 'UTC'})`;
  }
  const reader = await connection.runAndReadAll(sql);
  const written = reader.getRowsJS()[0]?.[0];
  return { rows: num(written ?? reader.rowsChanged), bytes: statSync(file).size };
}

// ------------------------------------------------------------------ retention and size

export interface StorageFigures {
  /** Bytes of the database's used blocks plus its write-ahead log. */
  usedBytes: number;
  /** Oldest time kept (ms), if anything is. */
  since: number | null;
}

export async function storageFigures(connection: DuckDBConnection): Promise<StorageFigures> {
  const [size] = await rows(connection, 'SELECT block_size, used_blocks, wal_size FROM pragma_database_size()');
  const walText = String(size?.[2] ?? '0');
  const usedBytes = num(size?.[0]) * num(size?.[1]) + parseSize(walText);
  const [oldest] = await rows(
    connection,
    'SELECT least((SELECT min(epoch_ms(t)) FROM num), (SELECT min(epoch_ms(t)) FROM val), (SELECT min(epoch_ms(t)) FROM events))::DOUBLE',
  );
  const since = oldest?.[0];
  return { usedBytes, since: since === null || since === undefined ? null : num(since) };
}

/** DuckDB prints sizes such as "1.2 MiB" or "0 bytes". */
export function parseSize(text: string): number {
  const match = /^([\d.]+)\s*(bytes|[KMGTP]i?B)?$/i.exec(text.trim());
  if (!match) return 0;
  const value = Number(match[1]);
  const unit = (match[2] ?? 'bytes').toUpperCase();
  const powers: Record<string, number> = { BYTES: 0, KB: 1, KIB: 1, MB: 2, MIB: 2, GB: 3, GIB: 3, TB: 4, TIB: 4, PB: 5, PIB: 5 };
  const base = unit.includes('I') ? 1024 : 1000;
  return value * base ** (powers[unit] ?? 0);
}

export interface RetentionSettings {
  maxAgeDays: number;
  maxBytes: number;
}

export interface RetentionOutcome {
  /** Everything older than this (ms) was deleted, if anything was. */
  cutoff: number | null;
  usedBytes: number;
}

async function deleteBefore(connection: DuckDBConnection, cutoff: number): Promise<void> {
  for (const table of ['num', 'val', 'events']) await connection.run(`DELETE FROM ${table} WHERE t < ${ms(cutoff)}`);
  await connection.run(`DELETE FROM num_10s WHERE c < ${Math.floor(cutoff / ROLLUP_MS) * ROLLUP_MS}`);
  // The TD in force at the cutoff stays: titles and units of what is kept remain known.
  await connection.run(
    `DELETE FROM tds WHERE t < ${ms(cutoff)} AND (thing, t) NOT IN (SELECT thing, max(t) FROM tds WHERE t < ${ms(cutoff)} GROUP BY thing)`,
  );
}

/**
 * Oldest data goes first: everything older than maxAgeDays, then, while the used size is over
 * maxBytes, the oldest share of the rows that brings it to about 80 % of the limit.
 */
export async function applyRetention(connection: DuckDBConnection, settings: RetentionSettings, now: number): Promise<RetentionOutcome> {
  let cutoff: number | null = null;
  const ageCutoff = now - settings.maxAgeDays * 86_400_000;
  const { since } = await storageFigures(connection);
  if (since !== null && since < ageCutoff) {
    await deleteBefore(connection, ageCutoff);
    cutoff = ageCutoff;
    await connection.run('CHECKPOINT');
  }
  let { usedBytes } = await storageFigures(connection);
  for (let round = 0; round < 4 && usedBytes > settings.maxBytes; round++) {
    const share = Math.min(1, (usedBytes - 0.8 * settings.maxBytes) / usedBytes);
    const [found] = await rows(
      connection,
      `SELECT coalesce((SELECT quantile_disc(epoch_ms(t), ${share}) FROM num), (SELECT quantile_disc(epoch_ms(t), ${share}) FROM events))::DOUBLE`,
    );
    const at = found?.[0];
    if (at === null || at === undefined) break;
    const sizeCutoff = num(at) + 1;
    await deleteBefore(connection, sizeCutoff);
    cutoff = Math.max(cutoff ?? 0, sizeCutoff);
    await connection.run('CHECKPOINT');
    usedBytes = (await storageFigures(connection)).usedBytes;
  }
  return { cutoff, usedBytes };
}
