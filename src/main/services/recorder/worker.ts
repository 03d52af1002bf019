import { existsSync, statSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection, type DuckDBInstance } from '@duckdb/node-api';
import { LabError, toErrorData } from '../../../shared/errors';
import { RecordingLockedError, openRecording } from './database';
import type { AppendBatch, FromWorker, QueryOps, SeriesRow, ToWorker } from './protocol';
import { applyRetention, exportRecording, loadSeriesIds, queryEvents, querySeries, rollUp, storageFigures } from './queries';

/**
 * The recorder's database thread: owns the DuckDB file, appends each batch the main thread
 * sends and flushes it at once (so what was sent is on disk within one batch interval), and
 * answers queries on a second connection so appending never waits for a query.
 */

const port = parentPort;
if (!port) throw new Error('the recorder worker must run in a worker thread');

const send = (message: FromWorker): void => port.postMessage(message);

let instance: DuckDBInstance | undefined;
let file = '';
let writer: DuckDBConnection | undefined;
let reader: DuckDBConnection | undefined;
/** Rolls num up into num_10s, in turn with the appends. */
let roller: DuckDBConnection | undefined;
let lastRollup = 0;
const ROLLUP_EVERY_MS = 10_000;
let appenders: { num: DuckDBAppender; val: DuckDBAppender; events: DuckDBAppender; tds: DuckDBAppender } | undefined;
let broken = false;
let injected: string | null = null;
const sids = new Map<string, number>();
const seriesKey = (thing: string, property: string): string => `${thing}\u0000${property}`;
let queue: Promise<void> = Promise.resolve();

const timestamp = (ms: number): DuckDBTimestampValue => new DuckDBTimestampValue(BigInt(Math.round(ms * 1000)));

async function createAppenders(): Promise<void> {
  if (!writer) throw new Error('the recording is not open');
  appenders = {
    num: await writer.createAppender('num'),
    val: await writer.createAppender('val'),
    events: await writer.createAppender('events'),
    tds: await writer.createAppender('tds'),
  };
}

function dropAppenders(): void {
  for (const appender of Object.values(appenders ?? {})) {
    try {
      appender.closeSync();
    } catch {
      // already failed: what it held is lost and counted by the main thread
    }
  }
  appenders = undefined;
}

async function open(path: string): Promise<void> {
  file = path;
  try {
    const opened = await openRecording(path);
    instance = opened.instance;
    writer = opened.connection;
    reader = await instance.connect();
    roller = await instance.connect();
    const series = await loadSeriesIds(writer);
    for (const row of series) sids.set(seriesKey(row.thing, row.property), row.sid);
    const last = (await writer.runAndReadAll('SELECT coalesce(max(id), 0)::DOUBLE FROM events')).getRowsJS()[0]?.[0];
    await createAppenders();
    send({ type: 'opened', series, lastEventId: Number(last ?? 0), ...(opened.movedAside ? { movedAside: opened.movedAside } : {}) });
  } catch (error) {
    send({ type: 'open-failed', locked: error instanceof RecordingLockedError, message: error instanceof Error ? error.message : String(error) });
  }
}

async function insertSeries(rows: SeriesRow[]): Promise<void> {
  if (!writer || rows.length === 0) return;
  for (const row of rows) {
    if (sids.has(seriesKey(row.thing, row.property))) continue;
    await writer.run('INSERT INTO series VALUES (?, ?, ?)', [row.sid, row.thing, row.property]);
    sids.set(seriesKey(row.thing, row.property), row.sid);
  }
}

function appendRows(batch: AppendBatch): number {
  if (!appenders) throw new Error('the recording is not open for writing');
  if (injected !== null) throw new Error(injected);
  const { num, val, events, tds } = appenders;
  for (let i = 0; i < batch.numT.length; i++) {
    num.appendTimestamp(timestamp(batch.numT[i] as number));
    num.appendInteger(batch.numSid[i] as number);
    num.appendDouble(batch.numV[i] as number);
    num.endRow();
  }
  for (let i = 0; i < batch.valT.length; i++) {
    val.appendTimestamp(timestamp(batch.valT[i] as number));
    val.appendInteger(batch.valSid[i] as number);
    val.appendVarchar(batch.valJson[i] as string);
    val.endRow();
  }
  for (const event of batch.events) {
    events.appendBigInt(BigInt(event.id));
    events.appendTimestamp(timestamp(event.t));
    events.appendVarchar(event.thing);
    events.appendVarchar(event.kind);
    events.appendVarchar(event.affordance);
    events.appendVarchar(event.summary);
    events.appendVarchar(event.detail);
    events.endRow();
  }
  for (const td of batch.tds) {
    tds.appendTimestamp(timestamp(td.t));
    tds.appendVarchar(td.thing);
    tds.appendVarchar(td.td);
    tds.endRow();
  }
  num.flushSync();
  val.flushSync();
  events.flushSync();
  tds.flushSync();
  return batch.numT.length + batch.valT.length + batch.events.length + batch.tds.length;
}

async function append(batch: AppendBatch): Promise<void> {
  const rows = batch.numT.length + batch.valT.length + batch.events.length + batch.tds.length;
  if (broken) {
    send({ type: 'write-failed', message: 'recording is paused', lost: rows });
    return;
  }
  try {
    await insertSeries(batch.series);
    send({ type: 'appended', rows: appendRows(batch) });
    if (roller && Date.now() - lastRollup >= ROLLUP_EVERY_MS) {
      lastRollup = Date.now();
      await rollUp(roller, Date.now());
    }
  } catch (error) {
    broken = true;
    dropAppenders();
    send({ type: 'write-failed', message: error instanceof Error ? error.message : String(error), lost: rows });
  }
}

async function resume(): Promise<void> {
  try {
    if (injected !== null) throw new Error(injected);
    dropAppenders();
    await createAppenders();
    await writer?.run('CHECKPOINT');
    broken = false;
    send({ type: 'resumed' });
  } catch (error) {
    send({ type: 'resume-failed', message: error instanceof Error ? error.message : String(error) });
  }
}

async function answer(message: Extract<ToWorker, { type: 'query' }>): Promise<void> {
  const connection = message.op === 'retention' || message.op === 'rollup' ? roller : reader;
  if (!connection) throw new LabError('INTERNAL', 'the recording is not open');
  switch (message.op) {
    case 'series': {
      const args = message.args as QueryOps['series']['args'];
      return reply(message.id, await querySeries(connection, args, (thing, property) => sids.get(seriesKey(thing, property))));
    }
    case 'events':
      return reply(message.id, await queryEvents(connection, message.args as QueryOps['events']['args']));
    case 'export': {
      const { query, file: out } = message.args as QueryOps['export']['args'];
      return reply(message.id, await exportRecording(connection, query, out));
    }
    case 'figures': {
      const figures = await storageFigures(connection);
      const fileBytes = [file, `${file}.wal`].reduce((sum, path) => sum + (existsSync(path) ? statSync(path).size : 0), 0);
      return reply(message.id, { ...figures, fileBytes });
    }
    case 'rollup':
      return reply(message.id, await rollUp(connection, (message.args as QueryOps['rollup']['args']).now));
    case 'retention': {
      const { now, ...settings } = message.args as QueryOps['retention']['args'];
      return reply(message.id, await applyRetention(connection, settings, now));
    }
  }
}

function reply(id: number, value: unknown): void {
  send({ type: 'reply', id, ok: true, value });
}

async function close(): Promise<void> {
  try {
    if (appenders && !broken) {
      for (const appender of Object.values(appenders)) appender.flushSync();
    }
    dropAppenders();
    if (writer && !broken) await writer.run('CHECKPOINT');
  } catch {
    // closing regardless: the write-ahead log keeps what was flushed
  }
  reader?.closeSync();
  roller?.closeSync();
  writer?.closeSync();
  instance?.closeSync();
  send({ type: 'closed' });
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'open':
      queue = queue.then(() => open(message.file));
      break;
    case 'append':
      // Appends keep their order; queries run beside them on the other connection.
      queue = queue.then(() => append(message));
      break;
    case 'query': {
      const run = (): Promise<void> =>
        answer(message).catch((error: unknown) => send({ type: 'reply', id: message.id, ok: false, error: toErrorData(error) }));
      // Retention deletes and checkpoints: in turn with the appends, on the writing connection.
      if (message.op === 'retention' || message.op === 'rollup') queue = queue.then(run);
      else void run();
      break;
    }
    case 'inject-fault':
      injected = message.message;
      break;
    case 'resume':
      queue = queue.then(resume);
      break;
    case 'close':
      queue = queue.then(close);
      break;
  }
});
