import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExportFormat, type SeriesKey } from '../shared/history';
import { RecordingLockedError, openRecording, recordingPath } from './services/recorder/database';
import { exportRecording, loadSeriesIds } from './services/recorder/queries';

/**
 * `npm run export -- --data DIR --since 10m --format csv --out FILE [--thing T]... [--property P]...`
 * Exports from a recording folder while Lab Monitor is not recording into it.
 */

export const EXPORT_USAGE =
  'usage: npm run export -- --data DIR --out FILE [--since 10m|2h|7d|ISO-TIME] [--until ISO-TIME] [--format csv|csv-wide|parquet] [--thing T]... [--property P]...';

export interface ExportArgs {
  data: string;
  out: string;
  since: number;
  until: number;
  format: ExportFormat;
  things: string[];
  properties: string[];
}

export class ExportCliError extends Error {
  override readonly name = 'ExportCliError';
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `10m`, `2h`, `7d`, `30s` before now, or an ISO 8601 time. */
export function parseSince(text: string, now: number): number {
  const relative = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim());
  if (relative) return now - Number(relative[1]) * (UNITS[relative[2] as string] ?? 0);
  const absolute = Date.parse(text);
  if (Number.isNaN(absolute)) throw new ExportCliError(`--since needs a duration such as 10m, 2h or 7d, or an ISO time; got "${text}"`);
  return absolute;
}

export function parseExportArgs(argv: readonly string[], now = Date.now()): ExportArgs {
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new ExportCliError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (!['data', 'out', 'since', 'until', 'format', 'thing', 'property'].includes(name)) throw new ExportCliError(`unknown option --${name}`);
    if (value === undefined || value === '') throw new ExportCliError(`--${name} needs a value`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  const one = (name: string): string | undefined => values.get(name)?.at(-1);
  const data = one('data');
  const out = one('out');
  if (data === undefined) throw new ExportCliError('--data DIR is needed: the folder Lab Monitor keeps its recordings in');
  if (out === undefined) throw new ExportCliError('--out FILE is needed: where to write the export');
  const format = ExportFormat.safeParse(one('format') ?? 'csv');
  if (!format.success) throw new ExportCliError(`--format must be csv, csv-wide or parquet; got "${one('format')}"`);
  const since = one('since') === undefined ? 0 : parseSince(one('since') as string, now);
  const until = one('until') === undefined ? now : parseSince(one('until') as string, now);
  if (until < since) throw new ExportCliError('--until is before --since');
  return { data, out, since, until, format: format.data, things: values.get('thing') ?? [], properties: values.get('property') ?? [] };
}

export interface ExportCliOutcome {
  code: number;
  message: string;
}

/** Runs one export; the outcome says what to print and the exit code. Never throws. */
export async function runExport(args: ExportArgs): Promise<ExportCliOutcome> {
  const file = recordingPath(args.data);
  if (!existsSync(file)) return { code: 1, message: `There is no recording in ${args.data} (no ${file}).` };
  let opened;
  try {
    opened = await openRecording(file, { readOnly: true });
  } catch (error) {
    if (error instanceof RecordingLockedError) {
      return {
        code: 3,
        message:
          `Lab Monitor is recording into ${args.data} right now${error.holder ? ` (${error.holder})` : ''}, so this command cannot read it: ` +
          'export from the app instead (Export in the timeline), or quit Lab Monitor and run this again.',
      };
    }
    return { code: 1, message: `The recording ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    let series: SeriesKey[] | undefined;
    if (args.properties.length > 0) {
      const known = await loadSeriesIds(opened.connection);
      const things = args.things.length > 0 ? new Set(args.things) : undefined;
      series = known
        .filter((s) => (things === undefined || things.has(s.thing)) && args.properties.includes(s.property))
        .map(({ thing, property }) => ({ thing, property }));
      if (series.length === 0) return { code: 1, message: `No recorded property matches --property ${args.properties.join(', ')}.` };
    }
    const out = resolve(args.out);
    const outcome = await exportRecording(
      opened.connection,
      { from: args.since, to: args.until, format: args.format, ...(series ? { series } : args.things.length > 0 ? { things: args.things } : {}) },
      out,
    );
    return { code: 0, message: `Wrote ${outcome.rows} rows (${outcome.bytes} bytes) to ${out}.` };
  } catch (error) {
    return { code: 1, message: `The export failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    opened.connection.closeSync();
    opened.instance.closeSync();
  }
}

async function main(): Promise<void> {
  let args: ExportArgs;
  try {
    args = parseExportArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof ExportCliError) {
      console.error(`export: ${error.message}`);
      console.error(EXPORT_USAGE);
      process.exit(2);
    }
    throw error;
  }
  const outcome = await runExport(args);
  (outcome.code === 0 ? console.log : console.error)(outcome.message);
  process.exit(outcome.code);
}

if (/export-cli\.(c?js|ts)$/.test(process.argv[1] ?? '')) void main();
