import { existsSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * The recording file: one DuckDB database in `<data folder>/recordings/`. Numbers go to `num`
 * as DOUBLE (columnar, compressed, aggregated in SQL); every other value to `val` as JSON
 * text (lossless); timeline entries (action transitions, writes, connection changes, alarms,
 * sampled property changes) to `events`; the Thing Descriptions in force to `tds`. Times are
 * TIMESTAMP (UTC, µs). Property names live once in `series` and rows carry its small id.
 */
export const SCHEMA_VERSION = 1;
export const RECORDINGS_FOLDER = 'recordings';
export const RECORDING_FILE = 'recording.duckdb';

export const SCHEMA_SQL = [
  'CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)',
  'CREATE TABLE IF NOT EXISTS series (sid INTEGER PRIMARY KEY, thing VARCHAR NOT NULL, property VARCHAR NOT NULL)',
  'CREATE TABLE IF NOT EXISTS num (t TIMESTAMP NOT NULL, sid INTEGER NOT NULL, v DOUBLE)',
  'CREATE TABLE IF NOT EXISTS val (t TIMESTAMP NOT NULL, sid INTEGER NOT NULL, json VARCHAR)',
  `CREATE TABLE IF NOT EXISTS events (id BIGINT NOT NULL, t TIMESTAMP NOT NULL, thing VARCHAR NOT NULL, kind VARCHAR NOT NULL,
     affordance VARCHAR NOT NULL, summary VARCHAR NOT NULL, detail VARCHAR)`,
  'CREATE TABLE IF NOT EXISTS tds (t TIMESTAMP NOT NULL, thing VARCHAR NOT NULL, td VARCHAR NOT NULL)',
  // Per property and 10 s chunk (c, ms): first/min/max/last and count, rolled up from num up to
  // the watermark in meta, so long ranges are bucketed from a few rows instead of every sample.
  `CREATE TABLE IF NOT EXISTS num_10s (sid INTEGER NOT NULL, c BIGINT NOT NULL, t_first BIGINT NOT NULL, t_last BIGINT NOT NULL,
     first DOUBLE, min DOUBLE, max DOUBLE, last DOUBLE, n INTEGER NOT NULL)`,
];

/** The rollup's chunk, in ms. */
export const ROLLUP_MS = 10_000;

export const recordingPath = (dataDir: string): string => join(dataDir, RECORDINGS_FOLDER, RECORDING_FILE);

/** Another process (a running Lab Monitor) holds DuckDB's lock on the file. */
export class RecordingLockedError extends Error {
  override readonly name = 'RecordingLockedError';
  constructor(
    readonly file: string,
    readonly holder: string | undefined,
  ) {
    super(`another process${holder ? ` (${holder})` : ''} is recording into ${file}`);
  }
}

/** The file was written by a newer Lab Monitor: never touched. */
export class RecordingVersionError extends Error {
  override readonly name = 'RecordingVersionError';
}

const LOCK_PATTERN = /Could not set lock on file|Conflicting lock is held/i;
/** Failures of the disk or of permissions, not of the file's content: moving it aside would not help. */
const ENVIRONMENT_PATTERN = /Permission denied|No space left|Read-only file system|Too many open files|Resource busy/i;

const holderOf = (message: string): string | undefined => /held in (.+?) \(PID (\d+)\)/.exec(message)?.slice(1, 3).join(', PID ');

export interface OpenedRecording {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  file: string;
  /** Where an unreadable file was moved to before a new one was started, if that happened. */
  movedAside?: { to: string; reason: string };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `recording.duckdb` → `recording.corrupt-2026-03-14T15-09-26-535Z.duckdb` (and its .wal). */
export function moveAside(file: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const name = basename(file).replace(/\.duckdb$/, '');
  const to = join(dirname(file), `${name}.corrupt-${stamp}.duckdb`);
  renameSync(file, to);
  if (existsSync(`${file}.wal`)) renameSync(`${file}.wal`, `${to}.wal`);
  return to;
}

async function createAndCheck(file: string, readOnly: boolean): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const options: Record<string, string> = readOnly ? { access_mode: 'READ_ONLY' } : {};
  const instance = await DuckDBInstance.create(file, options);
  let connection: DuckDBConnection | undefined;
  try {
    connection = await instance.connect();
    if (!readOnly) for (const sql of SCHEMA_SQL) await connection.run(sql);
    const version = await connection.runAndReadAll("SELECT value FROM meta WHERE key = 'schema'");
    const stored = version.getRowsJS()[0]?.[0];
    if (stored === undefined) {
      if (!readOnly) await connection.run(`INSERT INTO meta VALUES ('schema', '${SCHEMA_VERSION}')`);
    } else if (Number(stored) > SCHEMA_VERSION) {
      throw new RecordingVersionError(`${file} was written by a newer Lab Monitor (recording format ${String(stored)}, this one reads ${SCHEMA_VERSION})`);
    }
    // Reading every table proves the file is usable, not only its header.
    for (const table of ['series', 'num', 'val', 'events', 'tds', 'num_10s']) await connection.run(`SELECT count(*) FROM ${table}`);
    return { instance, connection };
  } catch (error) {
    connection?.closeSync();
    instance.closeSync();
    throw error;
  }
}

/**
 * Opens (or creates) the recording. A file that another process holds throws
 * RecordingLockedError; one DuckDB cannot read (corrupt, truncated, not a database) is moved
 * aside and a new one started, unless `readOnly` (then it throws). A newer format throws
 * RecordingVersionError and is left alone.
 */
export async function openRecording(file: string, options: { readOnly?: boolean; now?: () => Date } = {}): Promise<OpenedRecording> {
  const readOnly = options.readOnly ?? false;
  try {
    return { ...(await createAndCheck(file, readOnly)), file };
  } catch (error) {
    const message = errorText(error);
    if (LOCK_PATTERN.test(message)) throw new RecordingLockedError(file, holderOf(message));
    if (error instanceof RecordingVersionError || readOnly || ENVIRONMENT_PATTERN.test(message) || !existsSync(file)) throw error;
    const to = moveAside(file, options.now?.());
    const opened = await createAndCheck(file, false);
    return { ...opened, file, movedAside: { to, reason: message.split('\n')[0] ?? message } };
  }
}

/** Escapes a string for a single-quoted SQL literal. */
export const sqlString = (text: string): string => `'${text.replace(/'/g, "''")}'`;
/** Escapes an identifier (a column heading) for double quotes. */
export const sqlIdentifier = (text: string): string => `"${text.replace(/"/g, '""')}"`;
