import { expect, test, type Page } from './fixtures';
import {
  LIVE_TIMEOUT,
  cancelActiveStageMoves,
  openApp,
  parseShown,
  readNumber,
  recordInvocationRows,
  runAction,
  saveScreenshot,
  selectThing,
  timelineSince,
  waitForApp,
} from './helpers';

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

/** Starts a 20 mm move of x (20 s at the default speed) away from wherever the stage is. */
async function startLongMove(page: Page): Promise<{ id: string; start: number; target: number }> {
  await cancelActiveStageMoves(page);
  const start = await readNumber(page.getByTestId('value-stage-x'));
  const target = Math.round(start < 0 ? start + 20_000 : start - 20_000);
  await page.getByTestId('input-stage-moveTo-x').fill(String(target));
  const id = await runAction(page, 'stage', 'moveTo');
  await expect(page.getByTestId(`invocation-${id}`)).toHaveAttribute('data-status', 'running', { timeout: LIVE_TIMEOUT });
  return { id, start, target };
}

test('rampTo goes pending → running with progress and log → completed', async ({ page }, testInfo) => {
  const since = Date.now() - 1000;
  await selectThing(page, 'thermo');
  const setpoint = await readNumber(page.getByTestId('value-thermo-setpoint'));
  // 6 °C at 120 °C/min: a 3 s ramp, long enough to watch, short enough to wait for.
  const target = Math.round(setpoint < 190 ? setpoint + 6 : setpoint - 6);
  await page.getByTestId('input-thermo-rampTo-target').fill(String(target));
  await page.getByTestId('input-thermo-rampTo-ratePerMin').fill('120');

  const samples = await recordInvocationRows(page, 'thermo', 'rampTo');
  const id = await runAction(page, 'thermo', 'rampTo');
  const row = page.getByTestId(`invocation-${id}`);
  await expect(row).toHaveAttribute('data-status', 'completed', { timeout: 30_000 });
  await expect(page.getByTestId(`status-${id}`)).toHaveText('completed');
  await expect(page.getByTestId(`cancel-${id}`)).toHaveCount(0);

  const mine = samples.filter((sample) => sample.id === id);
  const statuses = mine.map((sample) => sample.status).filter((status, index, all) => index === 0 || all[index - 1] !== status);
  testInfo.annotations.push({ type: 'status sequence', description: statuses.join(' → ') });
  // Pending lasts only until the handler starts; when it is drawn at all, it comes first.
  expect(statuses.filter((status) => status !== 'pending')).toEqual(['running', 'completed']);
  if (statuses.includes('pending')) expect(statuses[0]).toBe('pending');

  const running = mine.filter((sample) => sample.status === 'running');
  const progress = [...new Set(running.map((sample) => sample.progress).filter((value) => value !== null))];
  expect(progress.length, `progress values seen while running: ${progress.join(', ')}`).toBeGreaterThanOrEqual(3);
  expect(progress.some((value) => value > 0 && value < 100)).toBe(true);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  expect(Math.max(...running.map((sample) => sample.logLines)), 'log lines while running').toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId(`progress-${id}`)).toHaveJSProperty('value', 100);

  const log = page.getByTestId(`log-${id}`);
  await expect(log).toContainText('ramping setpoint');
  await expect(log).toContainText(`setpoint reached ${target} °C`);
  expect(await log.locator('li').count()).toBeGreaterThanOrEqual(4);
  await expect(page.getByTestId(`output-${id}`)).toContainText(`"setpoint": ${target}`);
  await expect.poll(async () => parseShown(await page.getByTestId('value-thermo-setpoint').textContent())).toBe(target);

  // The timeline (the recording, with the log lines too) has the same transitions, once each.
  const actions = page.getByTestId('timeline').locator('[data-testid="timeline-entry"][data-kind="action"][data-thing="thermo"]');
  const transitions = async () =>
    (
      await actions.evaluateAll((elements) =>
        elements.map((element) => ({ time: Number(element.getAttribute('data-time')), status: /rampTo (pending|running|completed|cancelled|error)\b/.exec(element.textContent ?? '')?.[1] ?? '' })),
      )
    )
      .filter((entry) => entry.time >= since && entry.status !== '')
      .map((entry) => entry.status)
      .reverse();
  await expect.poll(transitions, { timeout: LIVE_TIMEOUT }).toEqual(['pending', 'running', 'completed']);
  await saveScreenshot(page, testInfo, 'after-ramp');
});

test('a long moveTo cancelled from the UI ends cancelled where the stage stopped', async ({ page }, testInfo) => {
  const since = Date.now() - 1000;
  const { id, start, target } = await startLongMove(page);
  const direction = Math.sign(target - start);
  const x = page.getByTestId('value-stage-x');
  await expect(page.getByTestId('value-stage-moving')).toHaveText('true', { timeout: LIVE_TIMEOUT });
  // Let it travel a visible distance first, so "between start and target" means something.
  await expect.poll(async () => direction * (parseShown(await x.textContent()) - start), { timeout: LIVE_TIMEOUT }).toBeGreaterThan(300);
  await expect(page.getByTestId(`log-${id}`)).toContainText('moving to');

  await page.getByTestId(`cancel-${id}`).click();
  await expect(page.getByTestId(`invocation-${id}`)).toHaveAttribute('data-status', 'cancelled', { timeout: LIVE_TIMEOUT });
  await expect(page.getByTestId(`status-${id}`)).toHaveText('cancelled');
  await expect(page.getByTestId(`cancel-${id}`)).toHaveCount(0);
  await expect(page.getByTestId(`log-${id}`)).toContainText('stopped at');
  await expect(page.getByTestId('value-stage-moving')).toHaveText('false', { timeout: LIVE_TIMEOUT });

  // The stage reports where it stopped; the live readback agrees and stays there.
  const logText = (await page.getByTestId(`log-${id}`).textContent()) ?? '';
  const stoppedAt = Number(/stopped at \((-?[\d.]+),/.exec(logText)?.[1]);
  expect(stoppedAt).not.toBeNaN();
  expect(direction * (stoppedAt - start)).toBeGreaterThan(300);
  expect(direction * (target - stoppedAt)).toBeGreaterThan(1000);
  // `moving` turns false at once; the readback follows at its next tick (10 Hz), so the value
  // shown a moment ago may still be the last one before the stop.
  await expect.poll(async () => Math.abs(parseShown(await x.textContent()) - stoppedAt), { timeout: LIVE_TIMEOUT }).toBeLessThan(1);
  const readings: number[] = [];
  await expect
    .poll(
      async () => {
        readings.push(parseShown(await x.textContent()));
        return readings.length;
      },
      { intervals: [200], timeout: LIVE_TIMEOUT },
    )
    .toBeGreaterThanOrEqual(5);
  for (const reading of readings) expect(Math.abs(reading - stoppedAt)).toBeLessThan(1);

  const cancelled = async () => (await timelineSince(page, since, { kind: 'action', thing: 'stage' })).filter((entry) => entry.text.includes('moveTo cancelled'));
  await expect.poll(async () => (await cancelled()).length, { timeout: LIVE_TIMEOUT }).toBeGreaterThanOrEqual(1);
  await saveScreenshot(page, testInfo, 'stage-cancelled');
});

test('a reload keeps a running invocation visible with its log', async ({ page }, testInfo) => {
  const { id } = await startLongMove(page);
  // The move's own transitions come after this (earlier moves were cancelled before it started).
  const startedAt = Date.now() - 1000;
  await expect(page.getByTestId(`log-${id}`)).toContainText('moving to');
  const progressBefore = await page.getByTestId(`progress-${id}`).evaluate((element: HTMLProgressElement) => element.value);

  await page.reload();
  await waitForApp(page);
  await selectThing(page, 'stage');
  const row = page.getByTestId(`invocation-${id}`);
  await expect(row).toBeVisible({ timeout: LIVE_TIMEOUT });
  await expect(row).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId(`log-${id}`)).toContainText('moving to');
  // Still followed live after the reload, not a frozen copy.
  await expect
    .poll(async () => page.getByTestId(`progress-${id}`).evaluate((element: HTMLProgressElement) => element.value), { timeout: LIVE_TIMEOUT })
    .toBeGreaterThan(progressBefore);
  await saveScreenshot(page, testInfo, 'after-reload');
  // The fresh page's timeline is the recording: the move started once, before the reload, not again.
  const moves = async (status: string) =>
    (await timelineSince(page, startedAt, { kind: 'action', thing: 'stage' })).filter((entry) => new RegExp(`moveTo ${status}\\b`).test(entry.text));
  await expect.poll(async () => (await moves('running')).length, { timeout: LIVE_TIMEOUT }).toBe(1);

  await page.getByTestId(`cancel-${id}`).click();
  await expect(row).toHaveAttribute('data-status', 'cancelled', { timeout: LIVE_TIMEOUT });
  await expect.poll(async () => (await moves('cancelled')).length, { timeout: LIVE_TIMEOUT }).toBe(1);
});
