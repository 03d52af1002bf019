// End to end, live, in two cases of the same 100,000 updates/s: 1,000 properties at 100 Hz and
// 10,000 properties at 10 Hz, each with 50 action messages/s, published on the real
// MessageBroker in this process, through the real live channel (ref counting, conflation,
// 16 ms / max-size batches) and the browser-mode WebSocket server (127.0.0.1, port 0, token),
// into headless Chromium running the real renderer WebSocket LabApi, lab client and zustand
// store. This process plays the Electron main process. Each property value is the number of
// its tick; the publish time of every tick is kept here (Date.now(), the same clock as the
// page's), so the latency of every update offered is measured from its own publish: a value
// replaced by a newer one before it was sent counts as shown when the newer one landed.
// Not a test: it prints PASS/FAIL against its targets. It exits non-zero (and says so) when a
// case did not offer its load (publisher ticks skipped or the rate not reached): its figures
// would describe a lighter load than the one announced.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.mjs';
import { MessageBroker } from '../src/main/core/broker';
import { Message } from '../src/main/core/message';
import { createToken } from '../src/main/ipc/access-token';
import type { Logger } from '../src/main/core/logger';
import { startBrowserServer, type BrowserServer } from '../src/main/serve';
import {
  BENCH_ACTION,
  BENCH_THING,
  LATENCY_BINS,
  propertyName,
  type PageActionReport,
  type PageProbe,
  type PageLatencyReport,
  type PageWindowReport,
} from './live-e2e/protocol';

interface BenchCase {
  properties: number;
  /** Every property once per tick. */
  tickMs: number;
}

const CASES: BenchCase[] = [
  { properties: 1000, tickMs: 10 },
  { properties: 10_000, tickMs: 100 },
];
/** Action messages per second, in both cases, spread over the ticks. */
const ACTIONS_PER_SECOND = 50;
/** The offered rate must reach this share of the nominal one, or the run is not valid. */
const MIN_OFFERED_SHARE = 0.98;
const WARMUP_MS = 2000;
const MEASURE_MS = 10_000;
/** After publishing stops, how long the page may take to receive the last action message. */
const DRAIN_TIMEOUT_MS = 8000;
/** Ticks published back to back at most when the timer fell behind (then the schedule resets). */
const MAX_CATCH_UP_TICKS = 5;
const TARGET_P99_MS = 50;
const TARGET_MAIN_CPU_CORES = 1;

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Warnings from the server side are worth seeing; routine info is not. */
const logger: Logger = {
  info: () => undefined,
  warn: (message, ...details) => console.warn(`[server] ${message}`, ...details),
  error: (message, ...details) => console.error(`[server] ${message}`, ...details),
};

/** Bundles the page with vite (rolldown) into a fresh temp dir, with an index.html that loads it. */
async function bundlePage(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'warn',
    root: resolve(__dirname, 'live-e2e'),
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir,
      emptyOutDir: false,
      target: 'es2022',
      reportCompressedSize: false,
      // Readable function names in a profile.
      minify: process.env.LIVE_BENCH_PROFILE ? false : 'oxc',
      lib: { entry: resolve(__dirname, 'live-e2e/page.ts'), formats: ['es'], fileName: () => 'page.js' },
    },
  });
  const files = await readdir(outDir);
  if (!files.includes('page.js')) throw new Error(`the page bundle is missing (built: ${files.join(', ')})`);
  await writeFile(
    join(outDir, 'index.html'),
    '<!doctype html>\n<html><head><meta charset="utf-8"><title>live bench</title><link rel="icon" href="data:,">' +
      '<script type="module" src="/page.js"></script></head><body></body></html>\n',
  );
}

interface Publisher {
  /** Property messages published so far, and action sequence numbers used. */
  readonly properties: number;
  readonly actions: number;
  /** Ticks published so far; tick k was published at `tickTimes[k]` (Date.now). */
  readonly ticks: number;
  readonly tickTimes: number[];
  /** Ticks that ran later than one tick behind schedule and were skipped. */
  readonly skippedTicks: number;
  stop(): void;
}

/** Publishes every property once per tick, catching up (bounded) when a timer fires late. */
function startPublishing(broker: MessageBroker, spec: BenchCase): Publisher {
  const { tickMs: TICK_MS } = spec;
  const names = Array.from({ length: spec.properties }, (_, index) => propertyName(index));
  const tickTimes: number[] = [];
  let properties = 0;
  let actions = 0;
  let skippedTicks = 0;
  let tick = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let nextAt = performance.now();

  const publishTick = (): void => {
    const publishedAt = Date.now();
    tickTimes.push(publishedAt);
    for (const name of names) {
      broker.publish(new Message({ thing: BENCH_THING, affordance: name, messageType: 'property', payload: tick }));
    }
    properties += names.length;
    tick += 1;
    // As many action messages as are due by the end of this tick (one every other tick at
    // 100 Hz, five per tick at 10 Hz).
    while (actions < Math.floor((tick * TICK_MS * ACTIONS_PER_SECOND) / 1000)) {
      actions += 1;
      const at = new Date(publishedAt).toISOString();
      broker.publish(
        new Message({
          thing: BENCH_THING,
          affordance: BENCH_ACTION,
          messageType: 'action',
          payload: {
            invocation: {
              id: `step-${actions}`,
              thing: BENCH_THING,
              action: BENCH_ACTION,
              status: 'completed',
              progress: null,
              timeRequested: at,
              timeStarted: at,
              timeCompleted: at,
              input: null,
              output: actions,
              error: null,
            },
            newLog: [],
          },
        }),
      );
    }
  };

  const run = (): void => {
    timer = undefined;
    if (stopped) return;
    let due = 0;
    while (performance.now() >= nextAt && due < MAX_CATCH_UP_TICKS) {
      publishTick();
      nextAt += TICK_MS;
      due += 1;
    }
    const behind = Math.floor((performance.now() - nextAt) / TICK_MS);
    if (behind > 0) {
      // Too far behind to catch up without a storm: count what is skipped, keep the cadence.
      skippedTicks += behind;
      nextAt += behind * TICK_MS;
    }
    timer = setTimeout(run, Math.max(0, nextAt - performance.now()));
  };
  run();

  return {
    get properties() {
      return properties;
    },
    get actions() {
      return actions;
    },
    get skippedTicks() {
      return skippedTicks;
    },
    get ticks() {
      return tick;
    },
    tickTimes,
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** CPU seconds (user + system) of this process's descendants, from /proc; undefined elsewhere. */
async function childrenCpuSeconds(): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined;
  const ticksPerSecond = 100; // USER_HZ on Linux
  const stats = new Map<number, { ppid: number; ticks: number }>();
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = await readFile(`/proc/${entry}/stat`, 'utf8');
      // The command name may contain spaces: fields restart after its closing parenthesis.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended meanwhile.
    }
  }
  let ticks = 0;
  const isDescendant = (pid: number): boolean => {
    let current = stats.get(pid)?.ppid;
    for (let depth = 0; current !== undefined && current > 1 && depth < 32; depth += 1) {
      if (current === process.pid) return true;
      current = stats.get(current)?.ppid;
    }
    return false;
  };
  for (const [pid, stat] of stats) if (isDescendant(pid)) ticks += stat.ticks;
  return ticks / ticksPerSecond;
}

function percentile(histogram: readonly number[], total: number, fraction: number): number {
  const rank = Math.ceil(total * fraction);
  let seen = 0;
  for (let bin = 0; bin < histogram.length; bin += 1) {
    seen += histogram[bin] ?? 0;
    if (seen >= rank) return bin;
  }
  return histogram.length - 1;
}

const fixed = (value: number, digits = 0): string => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

interface Measured {
  spec: BenchCase;
  seconds: number;
  offered: number;
  window: PageWindowReport;
  latency: PageLatencyReport;
  actions: PageActionReport;
  publishedActions: number;
  /** From the end of publishing until the last action message arrived (or the drain timed out). */
  drainMs: number;
  skippedTicks: number;
  mainCpuCores: number;
  pageMainThreadCores: number | undefined;
  chromiumCpuCores: number | undefined;
}

interface Verdict {
  /** The load was offered as announced: the figures describe it. */
  valid: boolean;
  p99: number;
  ok: boolean;
}

function report(m: Measured): Verdict {
  const { window: w, latency, spec } = m;
  const latencyP = (fraction: number): number => percentile(latency.latencyHistogram, latency.updates, fraction);
  const p99 = latencyP(0.99);
  const dropped = m.publishedActions - m.actions.distinct;
  const nominal = (spec.properties * 1000) / spec.tickMs;
  const offeredRate = m.offered / m.seconds;
  const expectedUpdates = m.offered;
  const rows: Array<[string, string]> = [
    ['cores (available)', `${availableParallelism()} (${cpus()[0]?.model.trim() ?? 'unknown'})`],
    ['measured window', `${fixed(m.seconds, 2)} s after ${WARMUP_MS / 1000} s warm-up`],
    ['properties × rate', `${fixed(spec.properties)} × ${1000 / spec.tickMs} Hz, in one burst per ${spec.tickMs} ms tick`],
    ['updates/s offered', `${fixed(offeredRate)} (nominal ${fixed(nominal)})`],
    ['publisher ticks skipped', fixed(m.skippedTicks)],
    ['updates/s applied', `${fixed(w.applied / m.seconds)} (distinct values landed in the store)`],
    ['conflated / dropped (channel)', `${fixed(w.conflated)} / ${fixed(w.dropped)}`],
    ['batches/s', fixed(w.batches / m.seconds, 1)],
    ['mean items per batch', w.batches === 0 ? '-' : fixed(w.items / w.batches, 1)],
    ['updates measured', `${fixed(latency.updates)} of ${fixed(expectedUpdates)} offered (each from its own publish)`],
    ['latency p50', `${latencyP(0.5)} ms`],
    ['latency p95', `${latencyP(0.95)} ms`],
    ['latency p99', `${p99} ms`],
    ['latency max', `${fixed(latency.maxLatencyMs)} ms${latency.maxLatencyMs >= LATENCY_BINS - 1 ? ' (or more)' : ''}`],
    ['main-process CPU', `${fixed(m.mainCpuCores, 2)} core (this process: broker, live channel, ws server, playwright client)`],
    ['page main thread', m.pageMainThreadCores === undefined ? 'n/a' : `${fixed(m.pageMainThreadCores, 2)} core (CDP TaskDuration)`],
    ['page store apply + probe', `${fixed(w.applyMs / m.seconds, 1)} ms per s`],
    ['Chromium CPU (all processes)', m.chromiumCpuCores === undefined ? 'n/a' : `${fixed(m.chromiumCpuCores, 2)} core`],
    ['action messages published', fixed(m.publishedActions)],
    ['action messages received', `${fixed(m.actions.distinct)} (duplicates ${m.actions.duplicates}, highest seq ${m.actions.highest})`],
    ['dropped action messages', `${fixed(dropped)} (the last one arrived ${fixed(m.drainMs)} ms after publishing stopped)`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);

  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  const rateOk = offeredRate >= MIN_OFFERED_SHARE * nominal;
  const ticksOk = m.skippedTicks === 0;
  const accounted = w.misaligned === 0 && latency.updates >= expectedUpdates * MIN_OFFERED_SHARE;
  const latencyOk = latency.updates > 0 && p99 <= TARGET_P99_MS;
  const cpuOk = m.mainCpuCores <= TARGET_MAIN_CPU_CORES;
  const actionsOk = dropped === 0 && m.actions.duplicates === 0;
  console.log('');
  console.log(`  ${verdict(rateOk)}  offered ${fixed(offeredRate)} updates/s ≥ ${MIN_OFFERED_SHARE * 100}% of ${fixed(nominal)}`);
  console.log(`  ${verdict(ticksOk)}  publisher ticks skipped ${m.skippedTicks} = 0`);
  console.log(
    `  ${verdict(accounted)}  updates accounted for ${fixed(latency.updates)} of ${fixed(expectedUpdates)}` +
      (w.misaligned > 0 ? ` (${w.misaligned} items out of step with their tick)` : ''),
  );
  console.log(`  ${verdict(latencyOk)}  end-to-end latency p99 ${p99} ms ≤ ${TARGET_P99_MS} ms (from each update's publish)`);
  console.log(`  ${verdict(cpuOk)}  main-process CPU ${fixed(m.mainCpuCores, 2)} ≤ ${TARGET_MAIN_CPU_CORES} core`);
  console.log(`  ${verdict(actionsOk)}  dropped action messages ${dropped} = 0`);
  const valid = rateOk && ticksOk && accounted;
  if (!valid) {
    console.log('  NOT VALID: this run did not offer the load it announces (see above); its latency and CPU figures describe a lighter load.');
  }
  return { valid, p99, ok: valid && latencyOk && cpuOk && actionsOk };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** One case on a fresh server, broker and browser, so neither inherits the other's state. */
async function runCase(outDir: string, spec: BenchCase): Promise<Verdict> {
  let server: BrowserServer | undefined;
  let browser: Browser | undefined;
  let publisher: Publisher | undefined;
  // Everything is undone in finally, on success and on any error.
  try {
    const broker = new MessageBroker({ logger });
    server = await startBrowserServer({
      host: '127.0.0.1',
      port: 0,
      token: createToken(),
      rendererDir: outDir,
      broker,
      logger,
      things: () => [],
      instruments: false,
    });

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const page: Page = await browser.newPage();
    page.on('console', (message) => {
      // zod probes for eval once; the page's CSP (as the app's) refuses it, so zod parses without its JIT.
      if (message.text().includes("'script-src' was not explicitly set")) return;
      if (message.type() === 'error' || message.type() === 'warning') console.warn(`[page] ${message.text()}`);
    });
    page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
    await page.goto(server.url);
    await page.waitForFunction(() => Reflect.has(window, 'benchProbe'), undefined, { timeout: 10_000 });
    const ready = await page.evaluate(() => (Reflect.get(window, 'benchProbe') as PageProbe).ready());
    if (!ready) throw new Error('the page could not subscribe');

    publisher = startPublishing(broker, spec);
    const active = publisher;
    await waitFor('the first live batch in the page', () => page.evaluate(() => (Reflect.get(window, 'benchProbe') as PageProbe).propertyBatches() > 0), 10_000);
    await sleep(WARMUP_MS);

    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskSeconds = async (): Promise<number | undefined> => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((metric) => metric.name === 'TaskDuration')?.value;
    };

    // LIVE_BENCH_PROFILE=<dir> also writes a CPU profile of the page's measured window there.
    const profileDir = process.env.LIVE_BENCH_PROFILE;
    if (profileDir) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }

    const taskBefore = await taskSeconds();
    const childrenBefore = await childrenCpuSeconds();
    await page.evaluate(() => (Reflect.get(window, 'benchProbe') as PageProbe).start());
    const offeredBefore = active.properties;
    const firstTick = active.ticks;
    const skippedBefore = active.skippedTicks;
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();

    await sleep(MEASURE_MS);

    const cpu = process.cpuUsage(cpuBefore);
    const wall = (performance.now() - wallBefore) / 1000;
    const offered = active.properties - offeredBefore;
    const endTick = active.ticks;
    const skippedTicks = active.skippedTicks - skippedBefore;
    const windowReport = await page.evaluate(() => (Reflect.get(window, 'benchProbe') as PageProbe).stop());
    const childrenAfter = await childrenCpuSeconds();
    const taskAfter = await taskSeconds();
    if (profileDir) {
      const { profile } = await cdp.send('Profiler.stop');
      const file = resolve(profileDir, `live-e2e-page-${spec.properties}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      console.log(`  page CPU profile: ${file}`);
    }

    // Publishing goes on a little, so the last updates of the window are superseded and land.
    await sleep(500);
    active.stop();
    const drainStart = performance.now();
    const pageActions = (): Promise<PageActionReport> => page.evaluate(() => (Reflect.get(window, 'benchProbe') as PageProbe).actions());
    let actions = await pageActions();
    while (actions.distinct < active.actions && performance.now() - drainStart < DRAIN_TIMEOUT_MS) {
      await sleep(100);
      actions = await pageActions();
    }
    const drainMs = performance.now() - drainStart;
    const latency = await page.evaluate(
      ([times, first, end]) => (Reflect.get(window, 'benchProbe') as PageProbe).latency(times, first, end),
      [active.tickTimes, firstTick, endTick] as [number[], number, number],
    );
    const pageSeconds = (windowReport.stoppedAt - windowReport.startedAt) / 1000;

    return report({
      spec,
      seconds: wall,
      offered,
      window: windowReport,
      latency,
      actions,
      publishedActions: active.actions,
      drainMs,
      skippedTicks,
      mainCpuCores: (cpu.user + cpu.system) / 1e6 / wall,
      pageMainThreadCores: taskBefore === undefined || taskAfter === undefined ? undefined : (taskAfter - taskBefore) / pageSeconds,
      chromiumCpuCores: childrenBefore === undefined || childrenAfter === undefined ? undefined : (childrenAfter - childrenBefore) / wall,
    });
  } finally {
    publisher?.stop();
    await browser?.close().catch((error: unknown) => console.error('closing Chromium failed', error));
    await server?.close().catch((error: unknown) => console.error('closing the server failed', error));
  }
}

/** Exit status when a case did not offer its load (a crash exits 1). */
const EXIT_LOAD_NOT_OFFERED = 2;

async function main(): Promise<number> {
  const started = performance.now();
  const outDir = await mkdtemp(join(tmpdir(), 'lab-live-bench-'));
  const results: Array<[BenchCase, Verdict]> = [];
  try {
    const bundleStart = performance.now();
    await bundlePage(outDir);
    console.log(`  page bundled in ${fixed(performance.now() - bundleStart)} ms`);
    // LIVE_BENCH_CASE=10000 runs only the case with that many properties.
    const only = process.env.LIVE_BENCH_CASE;
    for (const spec of CASES.filter((c) => only === undefined || String(c.properties) === only)) {
      console.log(`\n  --- ${fixed(spec.properties)} properties × ${1000 / spec.tickMs} Hz`);
      results.push([spec, await runCase(outDir, spec)]);
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  console.log('\n  side by side (target p99 ≤ ' + `${TARGET_P99_MS} ms for both)`);
  for (const [spec, verdict] of results) {
    const name = `${fixed(spec.properties)} × ${1000 / spec.tickMs} Hz`.padEnd(16);
    const state = !verdict.valid ? 'NOT VALID (load not offered)' : verdict.ok ? 'PASS' : 'FAIL';
    console.log(`  ${name} p99 ${String(verdict.p99).padStart(5)} ms   ${state}`);
  }
  console.log(`  (whole run ${fixed((performance.now() - started) / 1000, 1)} s)`);
  return results.every(([, verdict]) => verdict.valid) ? 0 : EXIT_LOAD_NOT_OFFERED;
}

// A hung browser or socket must not hold the bench runner: give up well after a normal run.
const watchdog = setTimeout(() => {
  console.error('live-e2e bench: no result after 240 s, giving up');
  process.exit(1);
}, 240_000);
watchdog.unref();

main().then(
  (status) => process.exit(status),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
