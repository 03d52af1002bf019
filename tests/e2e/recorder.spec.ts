import { existsSync, readFileSync } from 'node:fs';
import { expect, test, type Page } from './fixtures';
import { LIVE_TIMEOUT, openApp, readNumber, runAction, saveScreenshot, selectThing, waitForApp } from './helpers';
import { answerNextSaveDialog, savedDialogOptions } from './support/desktop';

async function shownSince(page: Page, since: number) {
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

test('after a reload, and in another window, the timeline still shows the earlier writes and action transitions', async ({ page, context, transport }, testInfo) => {
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

  // Another window: a second browser page on the same server (the desktop app has one window).
  if (transport !== 'browser') return;
  const other = await context.newPage();
  await openApp(other);
  await expect.poll(async () => expected(await shownSince(other, since)), { timeout: LIVE_TIMEOUT }).toEqual({ write: true, actions: true });
  await other.close();
});

test('an export from the UI downloads a CSV holding values from before the page was opened', async ({ page, transport, desktopApp }, testInfo) => {
  // The desktop app records from its start, before its window is reloaded here.
  const openedAt = Date.now();
  await openApp(page);
  await expect(page.getByTestId('timeline-export')).toBeVisible({ timeout: LIVE_TIMEOUT });
  await page.getByTestId('timeline-filter-thing').selectOption('thermo');
  await page.getByTestId('timeline-export-range').selectOption({ label: 'last hour' });
  await page.getByTestId('timeline-export-format').selectOption('csv');
  const path = testInfo.outputPath('export.csv');
  if (transport === 'browser' || !desktopApp) {
    // Browser mode: a download from the server.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('timeline-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^lab-monitor-.*\.csv$/);
    await download.saveAs(path);
  } else {
    // Desktop: the save dialog in main, answered with a file of this test.
    await answerNextSaveDialog(desktopApp.app, path);
    await page.getByTestId('timeline-export').click();
    await expect(page.getByTestId('timeline-export-status')).toContainText(`to ${path}`, { timeout: LIVE_TIMEOUT });
    expect(existsSync(path)).toBe(true);
    const [options] = (await savedDialogOptions(desktopApp.app)) as { defaultPath?: string }[];
    expect(options?.defaultPath).toMatch(/lab-monitor-.*\.csv$/);
  }
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
