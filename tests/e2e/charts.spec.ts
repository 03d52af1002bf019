import { expect, isDesktop, test, type Page } from './fixtures';
import { LIVE_TIMEOUT, readNumber, runAction, saveScreenshot, waitForApp } from './helpers';
import { startConfigServer, type ConfigServer } from './support/config-server';

// Browser mode, on one server with its own (empty) recording, so "after a reload" means
// history from this run; the desktop app's recording is shared with the other specs.
let server: ConfigServer | undefined;
test.beforeAll(async ({ transport }) => {
  if (transport === 'browser') server = await startConfigServer('config/instruments.json');
});

function ownServer(testInfo: Parameters<typeof isDesktop>[0]): string {
  test.skip(isDesktop(testInfo), 'browser mode: a server with a recording of its own');
  if (!server) throw new Error('no server of its own');
  return server.url;
}
test.afterAll(async () => {
  await server?.close();
});

const chart = (page: Page) => page.getByTestId('chart-1');

async function openThermoChart(page: Page): Promise<void> {
  await page.getByTestId('nav-overview').click();
  await page.getByTestId('chart-add-thermo-temperature').click();
  // The active chart shows on the overview; the Charts view holds every chart and the property list.
  await expect(page.getByTestId('overview-chart')).toBeVisible();
  await page.getByTestId('nav-charts').click();
  await expect(page.getByTestId('charts-view')).toBeVisible();
  await page.getByTestId('palette-thermo-setpoint').click();
  await expect(page.getByTestId('chart-1-series')).toHaveCount(2);
}

test('a strip chart of thermo temperature and setpoint: one °C axis, a time axis, ramp markers, zoom, pause and follow, the chart and its history after a reload', async ({ page }, testInfo) => {
  test.setTimeout(150_000);
  await page.goto(ownServer(testInfo));
  await waitForApp(page);

  // A short ramp, so the chart has an action start and end to mark.
  await page.getByTestId('thing-thermo').click();
  const setpoint = await readNumber(page.getByTestId('value-thermo-setpoint'));
  await page.getByTestId('input-thermo-rampTo-target').fill(String(setpoint + 2));
  await page.getByTestId('input-thermo-rampTo-ratePerMin').fill('30');
  const ramp = await runAction(page, 'thermo', 'rampTo');
  await expect(page.getByTestId(`invocation-${ramp}`)).toHaveAttribute('data-status', 'completed', { timeout: 30_000 });

  await openThermoChart(page);
  await page.getByTestId('chart-1-window-1min').click();
  await expect(page.getByTestId('chart-1-history')).toHaveAttribute('data-state', 'ok', { timeout: LIVE_TIMEOUT });
  await expect.poll(async () => Number(await chart(page).getAttribute('data-points')), { timeout: LIVE_TIMEOUT }).toBeGreaterThan(20);

  // Two series, one y axis labelled °C, and a time axis.
  await expect(chart(page)).toHaveAttribute('data-axes', '°C');
  // Local time with seconds for a 1 min window, e.g. 14:02:10.
  await expect(chart(page)).toHaveAttribute('data-time-ticks', /^(\d\d:\d\d:\d\d\|?)+$/);

  // Ramp markers with their labels.
  const markers = chart(page).getByTestId('chart-marker');
  await expect(markers.and(page.locator('[data-kind="action-start"]'))).toHaveCount(1, { timeout: LIVE_TIMEOUT });
  await expect(markers.and(page.locator('[data-kind="action-end"]'))).toHaveCount(1);
  await expect(markers.and(page.locator('[data-kind="action-start"]'))).toHaveAttribute('data-label', /rampTo started/);
  await expect(markers.and(page.locator('[data-kind="action-end"]'))).toHaveAttribute('data-label', /rampTo completed/);

  // The cursor readout names every series with its value and unit.
  const over = chart(page).locator('.u-over');
  const box = await over.boundingBox();
  if (!box) throw new Error('the chart has no plot area');
  await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
  await expect(page.getByTestId('chart-1-readout')).toHaveAttribute('data-hovering', 'true');
  await expect(page.getByTestId('chart-1-readout')).toContainText(/thermo\.temperature\s\d+\.\d+\s°C/);
  await expect(page.getByTestId('chart-1-readout')).toContainText(/thermo\.setpoint\s\d+(\.\d+)?\s°C/);
  await saveScreenshot(page, testInfo, 'chart');

  // Drag to zoom: the window is fixed on the selection; Follow brings it back live.
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('chart-1-status')).toHaveAttribute('data-mode', 'zoomed');
  const zoomed = Number(await chart(page).getAttribute('data-to')) - Number(await chart(page).getAttribute('data-from'));
  expect(zoomed).toBeLessThan(30_000);
  expect(zoomed).toBeGreaterThan(10_000);
  await page.getByTestId('chart-1-follow').click();
  await expect(page.getByTestId('chart-1-status')).toHaveAttribute('data-mode', 'follow');
  await expect(page.getByTestId('chart-1-status')).toContainText('last 1 min');

  // Pause: data keeps arriving and the chart says how much.
  await page.getByTestId('chart-1-pause').click();
  await expect(page.getByTestId('chart-1-status')).toHaveAttribute('data-mode', 'paused');
  await expect(page.getByTestId('chart-1-arrivals')).toHaveText(/[1-9][\d,]* new samples since/, { timeout: LIVE_TIMEOUT });
  // Scroll back into history and return in one click.
  await page.getByTestId('chart-1-back').click();
  await expect(page.getByTestId('chart-1-status')).toHaveAttribute('data-mode', 'paused');
  await page.getByTestId('chart-1-follow').click();
  await expect(page.getByTestId('chart-1-status')).toHaveAttribute('data-mode', 'follow');

  // After a reload the minutes before it come from the recorder.
  await page.waitForTimeout(3000);
  const reloadedAt = Date.now();
  await page.reload();
  await waitForApp(page);
  // The chart itself is remembered: the same two series, without adding them again.
  await page.getByTestId('nav-charts').click();
  await expect(page.getByTestId('chart-1-series')).toHaveCount(2);
  await page.getByTestId('chart-1-window-10min').click();
  await expect(page.getByTestId('chart-1-history')).toHaveAttribute('data-state', 'ok', { timeout: LIVE_TIMEOUT });
  await expect
    .poll(async () => Number((await chart(page).getAttribute('data-earliest')) || Number.NaN), { timeout: LIVE_TIMEOUT, message: 'history from before the reload' })
    .toBeLessThan(reloadedAt - 10_000);
  await expect(markers.and(page.locator('[data-kind="action-end"]'))).toHaveCount(1, { timeout: LIVE_TIMEOUT });
  // The setpoint holds its last value (it has not changed since the ramp).
  await expect(page.getByTestId('chart-1-readout')).toContainText(/thermo\.setpoint\s\d+(\.\d+)?\s°C/);
  await saveScreenshot(page, testInfo, 'chart-after-reload');
});

test('a chart takes properties dragged onto it and draws a unit per axis', async ({ page }, testInfo) => {
  await page.goto(ownServer(testInfo));
  await waitForApp(page);
  await page.getByTestId('nav-charts').click();
  await page.getByTestId('chart-new').click();
  await page.getByTestId('palette-thermo-temperature').dragTo(page.getByTestId('chart-1-card'));
  await page.getByTestId('palette-thermo-heaterPower').dragTo(page.getByTestId('chart-1-card'));
  await expect(page.getByTestId('chart-1-series')).toHaveCount(2);
  await expect(chart(page)).toHaveAttribute('data-axes', '°C|%');
  await page.getByTestId('chart-1-remove-thermo-heaterPower').click();
  await expect(page.getByTestId('chart-1-series')).toHaveCount(1);
});
