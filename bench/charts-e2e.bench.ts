// Strip charts under load, in headless Chromium: 12 charts × 4 series of 10 Hz values, each
// chart on a 1 h window backfilled at one first/min/max/last bucket per pixel column, with the
// live tail appended, for 60 s (CHART_BENCH_SECONDS). The page is the real renderer (WebSocket
// LabApi, lab client and controller, store, series store, React Charts view with uPlot); this
// process plays main: the real MessageBroker, live channel and browser-mode server. History is
// answered by a synthetic provider here (buckets computed from the same functions as the live
// values), so the figures are the renderer's cost, not the database's. Beside it, the same page
// with no charts open. Prints figures against targets; exits 0 unless it crashes.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.mjs';
import { MessageBroker } from '../src/main/core/broker';
import type { Logger } from '../src/main/core/logger';
import { Message } from '../src/main/core/message';
import { createToken } from '../src/main/ipc/access-token';
import { startBrowserServer, type BrowserServer } from '../src/main/serve';
import type { HistoryProvider, HistoryService } from '../src/main/services/service';
import type { SeriesRequest, SeriesResponse } from '../src/shared/history';
import { CHARTS, CHART_THING, SERIES_PER_CHART, UNITS, seriesName, seriesValue, type ChartPageProbe, type ChartPageReport } from './charts-e2e/protocol';

const SECONDS = Number(process.env.CHART_BENCH_SECONDS ?? 60);
const WARMUP_MS = 3000;
const TICK_MS = 100; // 10 Hz
const TARGETS = { fps: 50, mainThreadCores: 0.7, heapGrowthMb: 50, latencyP99Ms: 50 };

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
const logger: Logger = { info: () => undefined, warn: (m, ...d) => console.warn(`[server] ${m}`, ...d), error: (m, ...d) => console.error(`[server] ${m}`, ...d) };
const fixed = (value: number, digits = 0): string => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function bundlePage(outDir: string): Promise<void> {
  const { build } = await import('vite');
  const react = (await import('@vitejs/plugin-react')).default;
  await build({
    configFile: false,
    logLevel: 'warn',
    root: resolve(__dirname, 'charts-e2e'),
    plugins: [react()],
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir,
      emptyOutDir: false,
      target: 'es2022',
      reportCompressedSize: false,
      cssCodeSplit: false,
      lib: { entry: resolve(__dirname, 'charts-e2e/page.tsx'), formats: ['es'], fileName: () => 'page.js', cssFileName: 'page' },
    },
  });
  const files = await readdir(outDir);
  if (!files.includes('page.js')) throw new Error(`the page bundle is missing (built: ${files.join(', ')})`);
  const css = files.filter((file) => file.endsWith('.css')).map((file) => `<link rel="stylesheet" href="/${file}">`).join('');
  await writeFile(
    join(outDir, 'index.html'),
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>charts bench</title><link rel="icon" href="data:,">${css}` +
      '<script type="module" src="/page.js"></script></head><body><div id="root"></div></body></html>\n',
  );
}

/** History as the recorder would answer it: maxPoints buckets of 10 Hz samples over the range. */
function syntheticHistory(): HistoryProvider {
  const names = new Map<string, [number, number]>();
  for (let chart = 0; chart < CHARTS; chart += 1) for (let s = 0; s < SERIES_PER_CHART; s += 1) names.set(seriesName(chart, s), [chart, s]);
  const series = async (request: SeriesRequest): Promise<SeriesResponse> => {
    const from = Date.parse(request.from);
    const requestedTo = Date.parse(request.to);
    const to = Math.min(requestedTo, Date.now());
    return {
      gaps: [],
      series: request.series.map(({ thing, property }) => {
        const [chart, s] = names.get(property) ?? [0, 0];
        const samples = Math.max(0, Math.floor((to - from) / TICK_MS));
        // As the recorder buckets: from `from`, in steps of ceil((to − from + 1) / maxPoints).
        const decimated = samples > request.maxPoints;
        const bucketMs = decimated ? Math.max(1, Math.ceil((requestedTo - from + 1) / request.maxPoints)) : TICK_MS;
        const buckets = Math.ceil((to - from) / bucketMs);
        const data = { t: [] as number[], first: [] as number[], min: [] as number[], max: [] as number[], last: [] as number[], count: [] as number[] };
        for (let b = 0; b < buckets; b += 1) {
          const start = Math.ceil((from + b * bucketMs) / TICK_MS) * TICK_MS;
          const end = Math.min(from + (b + 1) * bucketMs, to);
          const count = Math.max(0, Math.ceil((end - start) / TICK_MS));
          // Cheap on purpose (this process also runs the broker and the live channel): the
          // bucket's first, last and extremes from a few of its samples.
          const first = seriesValue(chart, s, start);
          const last = seriesValue(chart, s, start + (count - 1) * TICK_MS);
          let low = Math.min(first, last);
          let high = Math.max(first, last);
          for (let k = 1; k < 6; k += 1) {
            const value = seriesValue(chart, s, start + Math.floor(((count - 1) * k) / 6) * TICK_MS);
            low = Math.min(low, value);
            high = Math.max(high, value);
          }
          if (count === 0) continue;
          data.t.push(start);
          data.first.push(first);
          data.min.push(low);
          data.max.push(high);
          data.last.push(last);
          data.count.push(count);
        }
        return { thing, property, unit: UNITS[s % UNITS.length] ?? null, decimated, bucketMs: decimated ? bucketMs : null, ...data };
      }),
    };
  };
  return {
    series,
    events: async () => ({ events: [], next: null }),
    status: async () => ({ state: 'recording', since: null, bytes: 0 }),
    exportTo: async () => ({ rows: 0, bytes: 0 }),
  };
}

function startPublishing(broker: MessageBroker): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let next = performance.now();
  const tick = () => {
    const now = Date.now();
    for (let chart = 0; chart < CHARTS; chart += 1) {
      for (let s = 0; s < SERIES_PER_CHART; s += 1) {
        broker.publish(new Message({ thing: CHART_THING, affordance: seriesName(chart, s), messageType: 'property', payload: seriesValue(chart, s, now) }));
      }
    }
    next += TICK_MS;
    timer = setTimeout(tick, Math.max(0, next - performance.now()));
  };
  tick();
  return () => {
    if (timer !== undefined) clearTimeout(timer);
  };
}

function percentile(histogram: readonly number[], fraction: number): number {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  const rank = Math.ceil(total * fraction);
  let seen = 0;
  for (let bin = 0; bin < histogram.length; bin += 1) {
    seen += histogram[bin] ?? 0;
    if (seen >= rank) return bin;
  }
  return histogram.length - 1;
}

interface RunResult {
  report: ChartPageReport;
  seconds: number;
  mainThreadCores: number;
  heapStartMb: number;
  heapEndMb: number;
}

async function heapMb(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize / 1024 / 1024;
}

async function run(browser: Browser, url: string, withCharts: boolean): Promise<RunResult> {
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
  page.on('console', (message) => {
    if (message.text().includes("'script-src' was not explicitly set")) return;
    if (message.type() === 'error') console.warn(`[page] ${message.text()}`);
  });
  try {
    await page.goto(url);
    await page.waitForFunction(() => Reflect.has(window, 'chartBench'), undefined, { timeout: 15_000 });
    const ready = await page.evaluate(() => (Reflect.get(window, 'chartBench') as ChartPageProbe).ready());
    if (!ready) throw new Error('the page could not subscribe');
    await page.evaluate((charts) => (Reflect.get(window, 'chartBench') as ChartPageProbe).setup(charts), withCharts);
    await sleep(WARMUP_MS);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((metric) => metric.name === 'TaskDuration')?.value ?? 0;
    const heapStartMb = await heapMb(cdp);
    // CHART_BENCH_PROFILE=<dir> writes a CPU profile of the page's measured window there.
    const profileDir = process.env.CHART_BENCH_PROFILE;
    if (profileDir) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((metric) => [metric.name, metric.value]));
    const metricsBefore = process.env.CHART_BENCH_METRICS ? await metrics() : {};
    const taskBefore = await task();
    const started = performance.now();
    await page.evaluate(() => (Reflect.get(window, 'chartBench') as ChartPageProbe).start());
    // Halfway, every chart scrolls back and returns to Follow: two more backfills each.
    await sleep((SECONDS * 1000) / 2);
    if (withCharts) await page.evaluate(() => (Reflect.get(window, 'chartBench') as ChartPageProbe).scrollBackAndFollow());
    await sleep(Math.max(0, SECONDS * 1000 - (performance.now() - started)));
    const report = await page.evaluate(() => (Reflect.get(window, 'chartBench') as ChartPageProbe).stop());
    const seconds = (performance.now() - started) / 1000;
    const taskAfter = await task();
    if (process.env.CHART_BENCH_METRICS) {
      const after = await metrics();
      for (const name of ['LayoutCount', 'RecalcStyleCount', 'LayoutDuration', 'RecalcStyleDuration', 'ScriptDuration', 'TaskDuration']) {
        console.log(`  ${withCharts ? 'charts' : 'plain'} ${name}: ${fixed(((after[name] ?? 0) - (metricsBefore[name] ?? 0)) / seconds, 3)} per s`);
      }
    }
    if (profileDir) {
      const { profile } = await cdp.send('Profiler.stop');
      const file = resolve(profileDir, `charts-e2e-${withCharts ? 'charts' : 'plain'}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      console.log(`  page CPU profile: ${file}`);
    }
    const heapEndMb = await heapMb(cdp);
    return { report, seconds, mainThreadCores: (taskAfter - taskBefore) / seconds, heapStartMb, heapEndMb };
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  const began = performance.now();
  let outDir: string | undefined;
  let server: BrowserServer | undefined;
  let browser: Browser | undefined;
  let stop: (() => void) | undefined;
  try {
    outDir = await mkdtemp(join(tmpdir(), 'lab-charts-bench-'));
    await bundlePage(outDir);
    const broker = new MessageBroker({ logger });
    const history: HistoryService = { name: 'synthetic-history', history: syntheticHistory(), start: () => undefined, stop: () => undefined };
    server = await startBrowserServer({ host: '127.0.0.1', port: 0, token: createToken(), rendererDir: outDir, broker, logger, things: () => [], instruments: false, services: () => [history] });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    stop = startPublishing(broker);

    const without = await run(browser, server.url, false);
    const withCharts = await run(browser, server.url, true);

    const rows: Array<[string, string, string]> = [];
    const fps = (r: RunResult) => r.report.frames / r.seconds;
    const p99 = (r: RunResult) => percentile(r.report.latencyHistogram, 0.99);
    const ratio = (a: number, b: number) => (b > 0 ? `${fixed(a / b, 2)}×` : '-');
    rows.push(['frames per second', `${fixed(fps(withCharts), 1)}`, `${fixed(fps(without), 1)}`]);
    rows.push(['page main thread (core)', fixed(withCharts.mainThreadCores, 2), fixed(without.mainThreadCores, 2)]);
    rows.push(['JS heap start → end (MB, after GC)', `${fixed(withCharts.heapStartMb, 1)} → ${fixed(withCharts.heapEndMb, 1)}`, `${fixed(without.heapStartMb, 1)} → ${fixed(without.heapEndMb, 1)}`]);
    rows.push(['live latency p50 / p99 (ms)', `${percentile(withCharts.report.latencyHistogram, 0.5)} / ${p99(withCharts)}`, `${percentile(without.report.latencyHistogram, 0.5)} / ${p99(without)}`]);
    rows.push(['live values landed per s', fixed(withCharts.report.applied / withCharts.seconds), fixed(without.report.applied / without.seconds)]);
    rows.push(['points drawn in the last frames (charts in view)', fixed(withCharts.report.points), '-']);
    rows.push(['charts in view (the rest redraw when scrolled to)', `${withCharts.report.visibleCharts ?? '?'} of ${CHARTS}`, '-']);
    console.log(`  cores (available)  ${availableParallelism()} (${cpus()[0]?.model.trim() ?? 'unknown'})`);
    console.log(`  ${CHARTS} charts × ${SERIES_PER_CHART} series at ${1000 / TICK_MS} Hz, 1 h window, backfilled, ${SECONDS} s each run, 1280×800`);
    const width = Math.max(...rows.map(([label]) => label.length));
    console.log(`  ${''.padEnd(width)}  ${'with charts'.padEnd(22)}  no charts`);
    for (const [label, a, b] of rows) console.log(`  ${label.padEnd(width)}  ${a.padEnd(22)}  ${b}`);
    console.log(`  ${'cost of the charts'.padEnd(width)}  main thread ${ratio(withCharts.mainThreadCores, without.mainThreadCores)}, heap ${ratio(withCharts.heapEndMb, without.heapEndMb)}`);
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
    const growth = withCharts.heapEndMb - withCharts.heapStartMb;
    console.log('');
    console.log(`  ${verdict(fps(withCharts) >= TARGETS.fps)}  frames per second ${fixed(fps(withCharts), 1)} ≥ ${TARGETS.fps}`);
    console.log(`  ${verdict(withCharts.mainThreadCores <= TARGETS.mainThreadCores)}  page main thread ${fixed(withCharts.mainThreadCores, 2)} ≤ ${TARGETS.mainThreadCores} core`);
    console.log(`  ${verdict(growth <= TARGETS.heapGrowthMb)}  heap growth ${fixed(growth, 1)} MB ≤ ${TARGETS.heapGrowthMb} MB`);
    console.log(`  ${verdict(p99(withCharts) <= TARGETS.latencyP99Ms)}  live latency p99 ${p99(withCharts)} ms ≤ ${TARGETS.latencyP99Ms} ms (charts on)`);
  } finally {
    stop?.();
    await browser?.close().catch((error: unknown) => console.error('closing Chromium failed', error));
    await server?.close().catch((error: unknown) => console.error('closing the server failed', error));
    if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
    console.log(`  (whole run ${fixed((performance.now() - began) / 1000, 1)} s)`);
  }
}

const watchdog = setTimeout(() => {
  console.error('charts bench: no result in time, giving up');
  process.exit(1);
}, (SECONDS * 2 + 120) * 1000);
watchdog.unref();

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
