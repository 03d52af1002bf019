// The charts benchmark page: the renderer's real WebSocket LabApi, lab client, controller,
// store, series store and React views (the Charts view with real uPlot strip charts), as the
// app's main.tsx wires them, plus a probe for frames and live latency. Bundled at bench time.
import '../../src/renderer/zod-config';
import '../../src/renderer/styles.css';
import { createRoot } from 'react-dom/client';
import { App } from '../../src/renderer/App';
import { LabClient } from '../../src/renderer/lab/lab-client';
import { LabController } from '../../src/renderer/lab/lab-controller';
import { createWsLabApi, wsUrlFromLocation } from '../../src/renderer/lab/ws-lab-api';
import { liveKey } from '../../src/renderer/store/keys';
import { createLabStore } from '../../src/renderer/store/lab-store';
import { SeriesRegistry } from '../../src/renderer/store/series';
import { LabContext } from '../../src/renderer/ui/lab-context';
import { Ticker } from '../../src/renderer/ui/ticker';
import { ANY_AFFORDANCE, type ThingDescription } from '../../src/shared/model';
import { CHARTS, CHART_THING, LATENCY_BINS, SERIES_PER_CHART, UNITS, seriesName, type ChartPageProbe, type ChartPageReport } from './protocol';

const series = new SeriesRegistry(1200);
const store = createLabStore({ series });
let resolveOpen: (open: boolean) => void = () => {};
const opened = new Promise<boolean>((resolve) => (resolveOpen = resolve));
const api = createWsLabApi({
  url: wsUrlFromLocation(window.location),
  onState: (state) => {
    if (state.status === 'connected') {
      store.getState().setLink({ host: 'browser', status: 'connected', since: Date.now(), attempt: 0 });
      resolveOpen(true);
    }
  },
});
const client = new LabClient(api, (error) => console.error(`subscribe failed: ${error.message}`));
const controller = new LabController(client, store);
controller.start();

const properties: ThingDescription['properties'] = {};
for (let chart = 0; chart < CHARTS; chart += 1) {
  for (let s = 0; s < SERIES_PER_CHART; s += 1) {
    properties[seriesName(chart, s)] = { type: 'number', unit: UNITS[s % UNITS.length], readOnly: true, forms: [] };
  }
}
store.getState().setTd(CHART_THING, { '@context': 'https://www.w3.org/2022/wot/td/v1.1', title: 'Bench', properties, actions: {}, securityDefinitions: {}, security: [] });

let measuring = false;
let histogram = new Uint32Array(LATENCY_BINS);
let report: ChartPageReport = { startedAt: 0, stoppedAt: 0, frames: 0, latencyHistogram: [], applied: 0, points: 0 };

// After the controller's listener: the batch is in the store when this runs.
client.onLiveBatch((batch) => {
  if (!measuring) return;
  const appliedAt = Date.now();
  const live = store.getState().live;
  for (const item of batch.items) {
    if (item.thing !== CHART_THING || live[liveKey(item.thing, item.affordance)]?.seq !== item.seq) continue;
    report.applied += 1;
    const bin = Math.min(LATENCY_BINS - 1, Math.max(0, Math.floor(appliedAt - item.time)));
    histogram[bin] = (histogram[bin] ?? 0) + 1;
  }
});

const countFrames = () => {
  if (measuring) report.frames += 1;
  requestAnimationFrame(countFrames);
};
requestAnimationFrame(countFrames);

const root = document.getElementById('root') ?? document.body.appendChild(document.createElement('div'));
root.style.height = '100vh';
createRoot(root).render(
  <LabContext.Provider value={{ store, client, series, ticker: new Ticker(200) }}>
    <App />
  </LabContext.Provider>,
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const probe: ChartPageProbe = {
  async ready() {
    await opened;
    client.subscribe(CHART_THING, ANY_AFFORDANCE);
    const list = await client.listThings();
    return list.ok;
  },
  async setup(withCharts) {
    const state = store.getState();
    if (!withCharts) return;
    for (let chart = 0; chart < CHARTS; chart += 1) {
      state.addChart(Array.from({ length: SERIES_PER_CHART }, (_, s) => ({ thing: CHART_THING, property: seriesName(chart, s) })));
    }
    state.setView('charts');
    await sleep(500);
    for (let chart = 1; chart <= CHARTS; chart += 1) document.querySelector<HTMLButtonElement>(`[data-testid="chart-${chart}-window-1h"]`)?.click();
  },
  start() {
    histogram = new Uint32Array(LATENCY_BINS);
    report = { startedAt: Date.now(), stoppedAt: 0, frames: 0, latencyHistogram: [], applied: 0, points: 0 };
    measuring = true;
  },
  stop() {
    measuring = false;
    let points = 0;
    let visible = 0;
    for (const element of document.querySelectorAll<HTMLElement>('.strip-chart')) {
      points += Number(element.dataset['points'] ?? 0);
      const box = element.getBoundingClientRect();
      if (box.bottom > 0 && box.top < window.innerHeight) visible += 1;
    }
    report.visibleCharts = visible;
    return { ...report, stoppedAt: Date.now(), latencyHistogram: Array.from(histogram), points };
  },
  async scrollBackAndFollow() {
    for (let chart = 1; chart <= CHARTS; chart += 1) document.querySelector<HTMLButtonElement>(`[data-testid="chart-${chart}-back"]`)?.click();
    await sleep(1500);
    for (let chart = 1; chart <= CHARTS; chart += 1) document.querySelector<HTMLButtonElement>(`[data-testid="chart-${chart}-follow"]`)?.click();
  },
};
Reflect.set(window, 'chartBench', probe);
