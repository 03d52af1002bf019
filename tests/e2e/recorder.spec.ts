import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { LIVE_TIMEOUT, openApp, readNumber, runAction, saveScreenshot, selectThing, waitForApp } from './helpers';

async function shownSince(page: import('@playwright/test').Page, since: number) {
  const all = await page.getByTestId('timeline-entry').evaluateAll((elements) =>
    elements.map((element) => ({
      kind: element.getAttribute('data-kind') ?? '',
      thing: element.getAttribute('data-thing') ?? '',
      time: Number(element.getAttribute('data-time')),
      text: element.textContent ?? '',
    })),
  );
  return all.filter((entry) => entry.time >= since);
}

test('after a reload, and in another window, the timeline still shows the earlier writes and action transitions', async ({ page, context }, testInfo) => {
  const since = Date.now() - 1000;
  await openApp(page);
  await expect(page.getByTestId('recorder-status')).toHaveAttribute('data-state', 'recording', { timeout: LIVE_TIMEOUT });
  await selectThing(page, 'psu');
  const voltage = await readNumber(page.getByTestId('value-psu-voltageSetpoint'));
  const written = voltage >= 10 ? 5 : 12;
  await page.getByTestId('edit-psu-voltageSetpoint').fill(String(written));
  await page.getByTestId('edit-submit-psu-voltageSetpoint').click();
  await selectThing(page, 'thermo');
  const setpoint = await readNumber(page.getByTestId('value-thermo-setpoint'));
  await page.getByTestId('input-thermo-rampTo-target').fill(String(Math.round(setpoint)));
  await page.getByTestId('input-thermo-rampTo-ratePerMin').fill('600');
  const ramp = await runAction(page, 'thermo', 'rampTo');
  await expect(page.getByTestId(`invocation-${ramp}`)).toHaveAttribute('data-status', 'completed', { timeout: 30_000 });

  const expected = (entries: { kind: string; thing: string; text: string }[]) => ({
    write: entries.some((e) => e.kind === 'write' && e.thing === 'psu' && e.text.includes(`voltageSetpoint ← ${written} V by `)),
    actions: ['pending', 'running', 'completed'].every((status) => entries.some((e) => e.kind === 'action' && e.text.includes(`rampTo ${status}`))),
  });
  await expect.poll(async () => expected(await shownSince(page, since)), { timeout: LIVE_TIMEOUT }).toEqual({ write: true, actions: true });

  await page.reload();
  await waitForApp(page);
  await expect.poll(async () => expected(await shownSince(page, since)), { timeout: LIVE_TIMEOUT }).toEqual({ write: true, actions: true });
  await saveScreenshot(page, testInfo, 'timeline-after-reload');

  // Searching asks the recorder.
  await page.getByTestId('timeline-search').fill('voltageSetpoint');
  await expect.poll(async () => (await shownSince(page, 0)).every((entry) => /voltageSetpoint/i.test(entry.text) || entry.thing === '')).toBe(true);
  await expect.poll(async () => expected(await shownSince(page, since)).write).toBe(true);

  const other = await context.newPage();
  await openApp(other);
  await expect.poll(async () => expected(await shownSince(other, since)), { timeout: LIVE_TIMEOUT }).toEqual({ write: true, actions: true });
  await other.close();
});

test('an export from the UI downloads a CSV holding values from before the page was opened', async ({ page }, testInfo) => {
  const openedAt = Date.now();
  await openApp(page);
  await expect(page.getByTestId('timeline-export')).toBeVisible({ timeout: LIVE_TIMEOUT });
  await page.getByTestId('timeline-filter-thing').selectOption('thermo');
  await page.getByTestId('timeline-export-range').selectOption({ label: 'last hour' });
  await page.getByTestId('timeline-export-format').selectOption('csv');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('timeline-export').click()]);
  expect(download.suggestedFilename()).toMatch(/^lab-monitor-.*\.csv$/);
  const path = testInfo.outputPath('export.csv');
  await download.saveAs(path);
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  expect(header).toBe('time,thing,property,value,unit');
  const temperatures = rows.map((row) => row.split(',')).filter(([, thing, property]) => thing === 'thermo' && property === 'temperature');
  const before = temperatures.filter(([time]) => Date.parse(time ?? '') < openedAt);
  expect(before.length).toBeGreaterThan(10);
  for (const [time, , , value, unit] of before) {
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Number.isFinite(Number(value))).toBe(true);
    expect(unit).toBe('degC');
  }
  expect(rows.every((row) => row.split(',')[1] === 'thermo')).toBe(true);
});
