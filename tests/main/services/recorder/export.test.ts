import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportCliError, parseExportArgs, parseSince, runExport } from '../../../../src/main/export-cli';
import { recordingPath } from '../../../../src/main/services/recorder/database';
import { startRig, tempDir, type Rig } from './helpers';

const T0 = Date.parse('2026-03-14T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const temp = tempDir('lab-export-');
const dataDir = join(temp.dir, 'data');

const thermoTd = {
  '@context': 'https://www.w3.org/2022/wot/td/v1.1',
  title: 'Temperature controller',
  properties: {
    temperature: { type: 'number', title: 'Temperature', unit: '°C', forms: [] },
    mode: { type: 'string', title: 'Mode', forms: [] },
  },
  actions: {},
  securityDefinitions: {},
  security: [],
};
const psuTd = { ...thermoTd, title: 'Power supply', properties: { voltage: { type: 'number', title: 'Voltage', unit: 'V', forms: [] }, spectrum: { type: 'array', forms: [] } } };

let rig: Rig;

async function runCli(args: string[]): Promise<{ code: unknown; text: string }> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, '../../../../src/main/export-cli.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  return { code, text };
}

function driver(name: string, td: object): never {
  return { name, source: 'simulated', origin: undefined, describe: () => td, connection: () => ({ status: 'connected', since: iso(T0) }) } as never;
}

beforeAll(async () => {
  rig = await startRig(dataDir);
  rig.registry.add(driver('thermo', thermoTd));
  rig.registry.add(driver('psu', psuTd));
  await new Promise((resolve) => setTimeout(resolve, 30));
  rig.clock.set(T0);
  rig.publish('thermo', 'temperature', 0.1 + 0.2);
  rig.publish('thermo', 'mode', 'say "hi", then, go');
  rig.clock.set(T0 + 1);
  rig.publish('psu', 'voltage', 5);
  rig.publish('psu', 'spectrum', [1, 2.5, -3e-9]);
  rig.clock.set(T0 + 2);
  rig.publish('thermo', 'temperature', -1e-300);
  rig.clock.set(T0 + 10_000);
  rig.publish('thermo', 'temperature', 99); // outside the exported range
  await rig.recorder.settled();
});

afterAll(async () => {
  await rig?.recorder.stop();
  temp.remove();
});

const range = { from: iso(T0), to: iso(T0 + 5000) };

describe('CSV and Parquet', () => {
  it('long CSV: time, thing, property, value, unit with ISO UTC times, numbers exact, text quoted', async () => {
    const file = join(temp.dir, 'long.csv');
    const outcome = await rig.recorder.history.exportTo({ ...range, format: 'csv' }, file);
    expect(outcome.rows).toBe(5);
    expect(readFileSync(file, 'utf8')).toBe(
      [
        'time,thing,property,value,unit',
        '2026-03-14T12:00:00.000Z,thermo,mode,"say ""hi"", then, go",',
        '2026-03-14T12:00:00.000Z,thermo,temperature,0.30000000000000004,°C',
        '2026-03-14T12:00:00.001Z,psu,spectrum,"[1,2.5,-3e-9]",',
        '2026-03-14T12:00:00.001Z,psu,voltage,5.0,V',
        '2026-03-14T12:00:00.002Z,thermo,temperature,-1e-300,°C',
        '',
      ].join('\n'),
    );
  });

  it('wide CSV: one column per property headed "Title [unit]", one row per time', async () => {
    const file = join(temp.dir, 'wide.csv');
    await rig.recorder.history.exportTo({ ...range, format: 'csv-wide', series: [{ thing: 'thermo', property: 'temperature' }, { thing: 'thermo', property: 'mode' }] }, file);
    expect(readFileSync(file, 'utf8')).toBe(
      [
        'time,Temperature [°C],Mode',
        '2026-03-14T12:00:00.000Z,0.30000000000000004,"say ""hi"", then, go"',
        '2026-03-14T12:00:00.002Z,-1e-300,',
        '',
      ].join('\n'),
    );
    const both = join(temp.dir, 'wide-both.csv');
    await rig.recorder.history.exportTo({ ...range, format: 'csv-wide', things: ['thermo', 'psu'] }, both);
    const header = readFileSync(both, 'utf8').split('\n')[0];
    expect(header?.split(',').sort()).toEqual(['Power supply Voltage [V]', 'Power supply spectrum', 'Temperature controller Mode', 'Temperature controller Temperature [°C]', 'time'].sort());
  });

  it('Parquet: typed long form, read back, with the Thing Descriptions in the metadata', async () => {
    const file = join(temp.dir, 'all.parquet');
    const outcome = await rig.recorder.history.exportTo({ ...range, format: 'parquet', things: ['thermo', 'psu'] }, file);
    expect(outcome.rows).toBe(5);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const rows = (
      await connection.runAndReadAll(
        `SELECT strftime(time, '%Y-%m-%dT%H:%M:%S.%gZ') AS time, thing, property, value, value_json, unit FROM read_parquet('${file}') ORDER BY time, thing, property`,
      )
    ).getRowObjectsJS();
    expect(rows).toEqual([
      { time: '2026-03-14T12:00:00.000Z', thing: 'thermo', property: 'mode', value: null, value_json: '"say \\"hi\\", then, go"', unit: null },
      { time: '2026-03-14T12:00:00.000Z', thing: 'thermo', property: 'temperature', value: 0.30000000000000004, value_json: null, unit: '°C' },
      { time: '2026-03-14T12:00:00.001Z', thing: 'psu', property: 'spectrum', value: null, value_json: '[1,2.5,-3e-9]', unit: null },
      { time: '2026-03-14T12:00:00.001Z', thing: 'psu', property: 'voltage', value: 5, value_json: null, unit: 'V' },
      { time: '2026-03-14T12:00:00.002Z', thing: 'thermo', property: 'temperature', value: -1e-300, value_json: null, unit: '°C' },
    ]);
    const meta = (await connection.runAndReadAll(`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${file}')`)).getRowObjectsJS();
    const tds = JSON.parse(String(meta.find((row) => row['key'] === 'thing_descriptions')?.['value'])) as Record<string, { title: string }>;
    expect(Object.keys(tds).sort()).toEqual(['psu', 'thermo']);
    expect(tds['thermo']).toEqual(thermoTd);
    connection.closeSync();
    instance.closeSync();
  });

  it('an empty selection writes just the header', async () => {
    const file = join(temp.dir, 'empty.csv');
    const outcome = await rig.recorder.history.exportTo({ from: iso(T0 - 10_000), to: iso(T0 - 5000), format: 'csv' }, file);
    expect(outcome.rows).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('time,thing,property,value,unit\n');
  });
});

describe('npm run export', () => {
  it('parses its options', () => {
    const now = T0;
    expect(parseSince('10m', now)).toBe(now - 600_000);
    expect(parseSince('7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseSince('2026-03-14T11:00:00Z', now)).toBe(T0 - 3_600_000);
    expect(() => parseSince('soon', now)).toThrow(ExportCliError);
    expect(parseExportArgs(['--data', 'D', '--since', '1h', '--format=parquet', '--out', 'f.parquet', '--thing', 'a', '--thing', 'b', '--property', 'p'], now)).toEqual({
      data: 'D', out: 'f.parquet', since: now - 3_600_000, until: now, format: 'parquet', things: ['a', 'b'], properties: ['p'],
    });
    expect(() => parseExportArgs(['--out', 'x'])).toThrow(/--data DIR is needed/);
    expect(() => parseExportArgs(['--data', 'x'])).toThrow(/--out FILE is needed/);
    expect(() => parseExportArgs(['--data', 'x', '--out', 'y', '--format', 'xls'])).toThrow(/--format must be csv, csv-wide or parquet/);
    expect(() => parseExportArgs(['--data', 'x', '--out', 'y', '--colour', 'red'])).toThrow(/unknown option --colour/);
  });

  it('says in one sentence that the app is recording into the folder, and what to do instead', async () => {
    // DuckDB's lock is per process: the command runs as its own, as `npm run export` does.
    const { code, text } = await runCli(['--data', dataDir, '--since', '10m', '--out', join(temp.dir, 'locked.csv')]);
    expect(code).toBe(3);
    expect(text.trim()).toMatch(/^Lab Monitor is recording into .* right now \(.*PID \d+\), so this command cannot read it: export from the app instead \(Export in the timeline\), or quit Lab Monitor and run this again\.$/);
  });

  it('exports from a folder nothing is recording into, by Thing and property', async () => {
    await rig.recorder.stop();
    const out = join(temp.dir, 'cli.csv');
    const outcome = await runExport({ data: dataDir, out, since: T0, until: T0 + 5000, format: 'csv', things: ['thermo'], properties: ['temperature'] });
    expect(outcome).toEqual({ code: 0, message: expect.stringMatching(/^Wrote 2 rows \(\d+ bytes\) to .*cli\.csv\.$/) });
    expect(readFileSync(out, 'utf8').split('\n').slice(1, 3)).toEqual([
      '2026-03-14T12:00:00.000Z,thermo,temperature,0.30000000000000004,°C',
      '2026-03-14T12:00:00.002Z,thermo,temperature,-1e-300,°C',
    ]);
    expect((await runExport({ data: temp.dir, out, since: 0, until: T0, format: 'csv', things: [], properties: [] })).message).toMatch(/There is no recording in/);
  });

  it('runs as `npm run export` from the command line', async () => {
    const out = join(temp.dir, 'cmd.parquet');
    const { code, text } = await runCli(['--data', dataDir, '--since', '2026-03-14T11:59:00Z', '--until', '2026-03-14T12:00:05Z', '--format', 'parquet', '--out', out]);
    expect(text).toMatch(/Wrote 5 rows/);
    expect(code).toBe(0);
    expect(recordingPath(dataDir)).toContain(join('recordings', 'recording.duckdb'));
  });
});
