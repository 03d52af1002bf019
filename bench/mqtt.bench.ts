// Sharing through a broker: 1,000 properties at 10 Hz (10,000 updates/s offered) published by
// one Lab Monitor (its MQTT publisher service) through a real Mosquitto on 127.0.0.1 to a
// second Lab Monitor (its MQTT driver, counted on its MessageBroker), each in its own process;
// beside the same load published by a bare MQTT.js client to a bare MQTT.js subscriber (the
// limit on this machine). Every value is its publish time (the same clock in every process),
// so latency = delivery time − publish time. Not a test: it prints PASS/FAIL against its
// targets and exits 0 unless it crashes (1) or could not offer the load it names (2).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { resolve } from 'node:path';
import { findMosquitto, startMosquitto, type Mosquitto } from '../tests/main/drivers/servers/mosquitto';
import { DRAIN_MS, PERIOD_MS, PROPERTIES, type Report } from './mqtt/protocol';

const WARMUP_MS = 3000;
const MEASURE_MS = 10_000;
const TARGET_DELIVERED = 0.99;
const TARGET_P99_MS = 100;
/** Below this share of the named load offered, a run's figures are not valid for that load. */
const OFFERED_AT_LEAST = 0.95;

interface Child {
  process: ChildProcess;
  report: Promise<Report>;
}

function startChild(script: string, role: string, url: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'mqtt', script), role, url], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buffered = '';
  let onReport: (report: Report) => void = () => {};
  const report = new Promise<Report>((done) => (onReport = done));
  return new Promise((ready, fail) => {
    child.once('exit', (code) => fail(new Error(`${script} ${role} exited (${code})`)));
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === 'ready') ready({ process: child, report });
        else if (line.startsWith('{')) onReport(JSON.parse(line) as Report);
      }
    });
  });
}

/** CPU time (ms) of a process from /proc (utime + stime), for the broker. */
function procCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks at 100 Hz
  } catch {
    return Number.NaN;
  }
}

interface Run {
  offered: number;
  delivered: number;
  p50: number;
  p99: number;
  max: number;
  publisherCpu: number;
  viewerCpu: number;
  brokerCpu: number;
}

async function run(script: string, prefix: string, broker: Mosquitto): Promise<Run> {
  const url = `mqtt://127.0.0.1:${broker.port}${prefix}`;
  const viewer = await startChild(script, 'viewer', url);
  const publisher = await startChild(script, 'publisher', url);
  await new Promise((done) => setTimeout(done, WARMUP_MS));
  const brokerBefore = procCpuMs(broker.pid);
  const start = Date.now();
  viewer.process.stdin?.write(`start ${start}\n`);
  publisher.process.stdin?.write(`start ${start}\n`);
  await new Promise((done) => setTimeout(done, MEASURE_MS));
  const stop = Date.now();
  publisher.process.stdin?.write(`stop ${stop}\n`);
  viewer.process.stdin?.write(`stop ${stop}\n`);
  const [sent, got] = await Promise.all([publisher.report, viewer.report]);
  const brokerCpu = procCpuMs(broker.pid) - brokerBefore;
  for (const child of [publisher, viewer]) if (child.process.exitCode === null) child.process.kill('SIGKILL');
  const core = (report: Report) => report.cpuMs / report.windowMs;
  return {
    offered: sent.updates / (sent.windowMs / 1000),
    delivered: got.updates / (sent.windowMs / 1000),
    p50: got.p50Ms ?? Number.NaN,
    p99: got.p99Ms ?? Number.NaN,
    max: got.maxMs ?? Number.NaN,
    publisherCpu: core(sent),
    viewerCpu: core(got),
    brokerCpu: brokerCpu / (sent.windowMs + DRAIN_MS),
  };
}

async function main(): Promise<void> {
  const binary = findMosquitto();
  if (!binary) {
    console.log('mosquitto is not installed: MQTT benchmark skipped (apt-get install mosquitto)');
    return;
  }
  console.log(
    `MQTT sharing: ${PROPERTIES} properties at ${1000 / PERIOD_MS} Hz (${(PROPERTIES * 1000) / PERIOD_MS} updates/s offered), ` +
      `Mosquitto on 127.0.0.1, ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured; ` +
      `${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), shared with whatever else runs`,
  );
  const results: [string, Run][] = [];
  for (const [label, script, prefix] of [
    ['bare MQTT.js → MQTT.js', 'bare.ts', ''],
    ['Lab Monitor → Lab Monitor', 'lab.ts', '/bench'],
  ] as const) {
    const broker = await startMosquitto(binary);
    try {
      results.push([label, await run(script, prefix, broker)]);
    } finally {
      await broker.stop();
    }
  }
  const pct = (cores: number) => `${(cores * 100).toFixed(0)}%`;
  const rows = [
    ['', 'offered/s', 'delivered/s', 'delivered', 'p50 ms', 'p99 ms', 'max ms', 'publisher CPU', 'viewer CPU', 'broker CPU'],
    ...results.map(([label, r]) => [
      label,
      r.offered.toFixed(0),
      r.delivered.toFixed(0),
      `${((r.delivered / r.offered) * 100).toFixed(1)}%`,
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      r.max.toFixed(0),
      pct(r.publisherCpu),
      pct(r.viewerCpu),
      pct(r.brokerCpu),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  for (const row of rows) console.log(row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  '));
  const lab = results.find(([label]) => label.startsWith('Lab'))?.[1];
  if (!lab) return;
  const wanted = (PROPERTIES * 1000) / PERIOD_MS;
  const short = results.filter(([, r]) => r.offered < wanted * OFFERED_AT_LEAST);
  if (short.length > 0) {
    for (const [label, r] of short) console.log(`NOT VALID ${label}: offered ${r.offered.toFixed(0)}/s of ${wanted}/s (the publisher fell behind); its figures describe a lighter load`);
    process.exitCode = 2;
  }
  const delivered = lab.delivered / lab.offered;
  console.log(`${delivered >= TARGET_DELIVERED ? 'PASS' : 'FAIL'} delivered ${(delivered * 100).toFixed(1)}% of offered (target ≥ ${TARGET_DELIVERED * 100}%: all)`);
  console.log(`${lab.p99 <= TARGET_P99_MS ? 'PASS' : 'FAIL'} p99 latency ${lab.p99.toFixed(1)} ms (target ≤ ${TARGET_P99_MS} ms)`);
  console.log('CPU is of one core (100% = one core busy) over the measured window; figures from one run on a shared machine are noisy.');
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
