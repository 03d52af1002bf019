// The recorder under load, and history queries on a day of data. Not a test: it prints, and exits 0.
//  1. 1,000 properties at 100 Hz for 30 s through the broker into the recorder (its worker
//     thread appends and flushes): updates recorded per second, nothing lost, CPU added to the
//     process, main event-loop delay p99, bytes on disk per numeric update; beside the same
//     publishing with no recorder (for the CPU and delay it adds) and a bare appender loop on
//     the same rows (the limit).
//  2. 24 h of 10 properties at 10 Hz (8.64 M values) asked as 2,000 buckets per property through
//     the recorder: p50/p95 latency beside a full scan of the same rows.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { DuckDBInstance, DuckDBTimestampValue } from '@duckdb/node-api';
import { MessageBroker } from '../src/main/core/broker';
import { systemClock } from '../src/main/core/clock';
import { silentLogger } from '../src/main/core/logger';
import { Message } from '../src/main/core/message';
import { openRecording, recordingPath, RECORDINGS_FOLDER } from '../src/main/services/recorder/database';
import { Recorder } from '../src/main/services/recorder/recorder';
import { ThingRegistry } from '../src/main/things/registry';

const PROPERTIES = 1000;
const RATE_HZ = 100;
const SECONDS = Number(process.env['BENCH_RECORDER_SECONDS'] ?? 30);
const BASELINE_SECONDS = Math.min(10, SECONDS);
const TARGETS = { updatesPerSecond: PROPERTIES * RATE_HZ, cores: 0.5, delayP99Ms: 10, bytesPerUpdate: 16, queryMs: 150 };

const root = mkdtempSync(join(tmpdir(), 'lab-bench-recorder-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

/** What a sensor reports: a slow drift with noise, at 4 decimals, as the simulated instruments do. */
const value = (property: number, tick: number) => Math.round((20 + property / 10 + Math.sin(tick / 500 + property) + Math.sin(tick * 7.3 + property) * 0.01) * 10_000) / 10_000;

interface LoadOutcome {
  offered: number;
  seconds: number;
  cores: number;
  delayP99Ms: number;
  delayMaxMs: number;
}

/** Publishes PROPERTIES values every 10 ms for `seconds`; measures CPU of the whole process and the loop delay. */
async function publishLoad(broker: MessageBroker, seconds: number): Promise<LoadOutcome> {
  const names = Array.from({ length: PROPERTIES }, (_, i) => `p${String(i).padStart(4, '0')}`);
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  let tick = 0;
  let offered = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  histogram.enable();
  await new Promise<void>((done) => {
    const period = 1000 / RATE_HZ;
    const step = () => {
      const elapsed = performance.now() - started;
      // Catch up on ticks a late timer missed, so the offered rate is the target rate.
      const due = Math.min(Math.floor(elapsed / period), Math.floor((seconds * 1000) / period));
      while (tick < due) {
        for (let p = 0; p < PROPERTIES; p++) {
          broker.publish(new Message({ thing: `bench${Math.floor(p / 100)}`, affordance: names[p] as string, messageType: 'property', payload: value(p, tick) }));
        }
        offered += PROPERTIES;
        tick++;
      }
      if (elapsed >= seconds * 1000) done();
      else setTimeout(step, period);
    };
    step();
  });
  histogram.disable();
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    offered,
    seconds: wall,
    cores: (cpu.user + cpu.system) / 1e6 / wall,
    delayP99Ms: histogram.percentile(99) / 1e6,
    delayMaxMs: histogram.max / 1e6,
  };
}

async function countRows(file: string): Promise<{ rows: number; bytes: number }> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const rows = Number((await connection.runAndReadAll('SELECT count(*) FROM num')).getRowsJS()[0]?.[0]);
  connection.closeSync();
  instance.closeSync();
  return { rows, bytes: statSync(file).size };
}

async function recordingBench(): Promise<void> {
  console.log(`Recording ${fmt(PROPERTIES)} properties at ${RATE_HZ} Hz for ${SECONDS} s (${fmt(PROPERTIES * RATE_HZ)} updates/s offered)`);
  // Without a recorder: what publishing alone costs.
  const bare = await publishLoad(new MessageBroker({ logger: silentLogger }), BASELINE_SECONDS);

  const dataDir = join(root, 'load');
  const broker = new MessageBroker({ logger: silentLogger });
  const recorder = new Recorder({ broker, registry: new ThingRegistry(broker), logger: silentLogger, clock: systemClock, dataDir }, { retention: { maxAgeDays: 30, maxBytes: 2 * 1024 ** 3 } });
  await recorder.start();
  const load = await publishLoad(broker, SECONDS);
  const drainStarted = performance.now();
  await recorder.settled();
  const drainMs = performance.now() - drainStarted;
  const { dropped } = recorder.counts;
  await recorder.stop();
  const stored = await countRows(recordingPath(dataDir));

  // The limit: the same rows through one appender on this thread, flushed every 100 ms worth.
  const limitFile = join(root, 'limit.duckdb');
  const instance = await DuckDBInstance.create(limitFile);
  const connection = await instance.connect();
  await connection.run('CREATE TABLE num (t TIMESTAMP NOT NULL, sid INTEGER NOT NULL, v DOUBLE)');
  const appender = await connection.createAppender('num');
  const limitRows = Math.min(stored.rows, 3_000_000);
  const base = Date.now() * 1000;
  const limitStarted = performance.now();
  for (let i = 0; i < limitRows; i++) {
    const tick = Math.floor(i / PROPERTIES);
    appender.appendTimestamp(new DuckDBTimestampValue(BigInt(base + tick * 10_000)));
    appender.appendInteger(i % PROPERTIES);
    appender.appendDouble(value(i % PROPERTIES, tick));
    appender.endRow();
    if (i % 10_000 === 9_999) appender.flushSync();
  }
  appender.flushSync();
  const limitSeconds = (performance.now() - limitStarted) / 1000;
  appender.closeSync();
  await connection.run('CHECKPOINT');
  connection.closeSync();
  instance.closeSync();
  const limitBytes = statSync(limitFile).size;

  const recordedPerSecond = stored.rows / load.seconds;
  const added = load.cores - bare.cores;
  const bytesPerUpdate = stored.bytes / Math.max(1, stored.rows);
  const rows: [string, string, string, string][] = [
    ['updates/s recorded', fmt(recordedPerSecond), `${fmt(limitRows / limitSeconds)} (bare appender)`, `${fmt(TARGETS.updatesPerSecond)}, none lost`],
    ['updates offered / stored / lost', `${fmt(load.offered)} / ${fmt(stored.rows)} / ${fmt(load.offered - stored.rows)} (dropped ${dropped})`, '', '0 lost'],
    ['CPU of the process (cores)', fmt(load.cores, 2), `${fmt(bare.cores, 2)} (publishing, no recorder)`, ''],
    ['CPU added by recording (cores)', fmt(added, 2), '', `<= ${TARGETS.cores}`],
    ['event-loop delay p99 / max (ms)', `${fmt(load.delayP99Ms, 1)} / ${fmt(load.delayMaxMs, 1)}`, `${fmt(bare.delayP99Ms, 1)} / ${fmt(bare.delayMaxMs, 1)} (no recorder)`, `<= ${TARGETS.delayP99Ms}`],
    ['bytes on disk per numeric update', fmt(bytesPerUpdate, 2), `${fmt(limitBytes / limitRows, 2)} (bare appender)`, `<= ${TARGETS.bytesPerUpdate}`],
    ['left to write after the run (ms)', fmt(drainMs), '', ''],
  ];
  printTable(['', 'recorder', 'beside it', 'target'], rows);
  console.log(`${verdict(load.offered === stored.rows && recordedPerSecond >= TARGETS.updatesPerSecond * 0.98)}: all ${fmt(TARGETS.updatesPerSecond)} updates/s recorded with nothing lost`);
  console.log(`${verdict(added <= TARGETS.cores)}: CPU added ${fmt(added, 2)} cores (target <= ${TARGETS.cores})`);
  console.log(`${verdict(load.delayP99Ms <= TARGETS.delayP99Ms)}: event-loop delay p99 ${fmt(load.delayP99Ms, 1)} ms (target <= ${TARGETS.delayP99Ms} ms)`);
  console.log(`${verdict(bytesPerUpdate <= TARGETS.bytesPerUpdate)}: ${fmt(bytesPerUpdate, 2)} bytes per numeric update (target <= ${TARGETS.bytesPerUpdate})`);
}

/**
 * What the recorder itself costs the main thread, apart from the machine's load: the time its
 * sink takes per update, and the longest a batch hand-over (every 100 ms: 10,000 updates at
 * 100 kHz) holds the thread.
 */
async function mainThreadBench(): Promise<void> {
  const dataDir = join(root, 'main-thread');
  const broker = new MessageBroker({ logger: silentLogger });
  const recorder = new Recorder({ broker, registry: new ThingRegistry(broker), logger: silentLogger, clock: systemClock, dataDir }, { batchMs: 3_600_000 });
  await recorder.start();
  const messages = Array.from({ length: PROPERTIES }, (_, p) => new Message({ thing: `bench${Math.floor(p / 100)}`, affordance: `p${p}`, messageType: 'property', payload: value(p, 0) }));
  const bare = new MessageBroker({ logger: silentLogger });
  const time = (target: MessageBroker, rounds: number): number => {
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) for (const message of messages) target.publish(message);
    return performance.now() - t0;
  };
  const handOvers: number[] = [];
  let withRecorder = 0;
  let without = 0;
  for (let round = 0; round < 30; round++) {
    without += time(bare, 10);
    withRecorder += time(broker, 10); // 10,000 updates: one batch interval at 100 kHz
    const t0 = performance.now();
    recorder.flush();
    handOvers.push(performance.now() - t0);
    await recorder.settled();
  }
  await recorder.stop();
  const perUpdateUs = ((withRecorder - without) / (30 * 10 * PROPERTIES)) * 1000;
  handOvers.sort((a, b) => a - b);
  console.log(`\nMain thread: the recorder's sink ${fmt(perUpdateUs, 2)} µs per update (${fmt(perUpdateUs * 100_000 / 1000, 1)} ms per second at 100 kHz);`);
  console.log(`  batch hand-over to its thread (10,000 updates): median ${fmt(handOvers[15] ?? NaN, 2)} ms, longest ${fmt(handOvers.at(-1) ?? NaN, 2)} ms`);
}

async function historyBench(): Promise<void> {
  const props = 10;
  const hz = 10;
  const seconds = 86_400;
  const total = props * hz * seconds;
  console.log(`\nHistory: 24 h of ${props} properties at ${hz} Hz (${fmt(total)} values), 2,000 buckets per property`);
  const dataDir = join(root, 'day');
  const file = join(dataDir, RECORDINGS_FOLDER, 'recording.duckdb');
  rmSync(join(dataDir), { recursive: true, force: true });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dataDir, RECORDINGS_FOLDER), { recursive: true });
  const opened = await openRecording(file);
  const end = Date.now();
  const start = end - seconds * 1000;
  for (let p = 0; p < props; p++) await opened.connection.run('INSERT INTO series VALUES (?, ?, ?)', [p + 1, 'day', `p${p}`]);
  const appender = await opened.connection.createAppender('num');
  const fillStarted = performance.now();
  for (let i = 0; i < seconds * hz; i++) {
    const t = new DuckDBTimestampValue(BigInt((start + i * (1000 / hz)) * 1000));
    for (let p = 0; p < props; p++) {
      appender.appendTimestamp(t);
      appender.appendInteger(p + 1);
      appender.appendDouble(value(p, i));
      appender.endRow();
    }
    if (i % 10_000 === 0) appender.flushSync();
  }
  appender.flushSync();
  appender.closeSync();
  await opened.connection.run('CHECKPOINT');
  console.log(`  filled in ${fmt((performance.now() - fillStarted) / 1000, 1)} s, ${fmt(statSync(file).size / 1024 ** 2, 1)} MB`);

  // The full scan of the same rows, on the same file, for comparison.
  const scans: number[] = [];
  for (let round = 0; round < 7; round++) {
    const t0 = performance.now();
    await opened.connection.runAndReadAll('SELECT sid, min(v), max(v), count(*) FROM num GROUP BY sid');
    scans.push(performance.now() - t0);
  }
  opened.connection.closeSync();
  opened.instance.closeSync();

  const broker = new MessageBroker({ logger: silentLogger });
  const recorder = new Recorder({ broker, registry: new ThingRegistry(broker), logger: silentLogger, clock: systemClock, dataDir }, { retention: { maxAgeDays: 30, maxBytes: 8 * 1024 ** 3 } });
  await recorder.start();
  await sleep(500); // retention runs at start
  // The 10 s rollup a running recorder keeps up every 10 s; this file was filled around it.
  const rolled = performance.now();
  await recorder.rollUpNow();
  console.log(`  rolled up once in ${fmt((performance.now() - rolled) / 1000, 1)} s (a recording keeps this up as it goes)`);
  const request = {
    series: Array.from({ length: props }, (_, p) => ({ thing: 'day', property: `p${p}` })),
    from: new Date(start).toISOString(),
    to: new Date(end).toISOString(),
    maxPoints: 2000,
  };
  const times: number[] = [];
  let buckets = 0;
  for (let round = 0; round < 23; round++) {
    const t0 = performance.now();
    const response = await recorder.history.series(request);
    const ms = performance.now() - t0;
    if (round >= 3) times.push(ms); // warm-up rounds left out
    buckets = response.series.reduce((sum, s) => sum + s.t.length, 0);
  }
  await recorder.stop();
  const pct = (list: number[], q: number) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(q * list.length))] ?? NaN;
  printTable(
    ['', 'p50 (ms)', 'p95 (ms)', 'target'],
    [
      ['2,000 buckets x 10 properties (recorder)', fmt(pct(times, 0.5), 1), fmt(pct(times, 0.95), 1), `<= ${TARGETS.queryMs} ms`],
      ['full scan of the same rows (SQL)', fmt(pct(scans, 0.5), 1), fmt(pct(scans, 0.95), 1), ''],
    ],
  );
  console.log(`  ${fmt(buckets)} buckets returned per request`);
  console.log(`${verdict(pct(times, 0.95) <= TARGETS.queryMs)}: history query p95 ${fmt(pct(times, 0.95), 1)} ms (target <= ${TARGETS.queryMs} ms)`);
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const began = Date.now();
  try {
    await recordingBench();
    await mainThreadBench();
    await historyBench();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`took ${fmt((Date.now() - began) / 1000, 1)} s (a shared 2-core machine: figures are noisy)`);
}

void main().then(() => process.exit(0));
