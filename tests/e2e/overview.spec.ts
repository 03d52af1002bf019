import { expect, isDesktop, test } from './fixtures';
import { LIVE_TIMEOUT, THINGS, openApp, parseShown, saveScreenshot, waitForApp } from './helpers';
import { startConfigServer, type ConfigServer } from './support/config-server';

test('the overview is the home view: every Thing as a tile with live values, their age and update rate', async ({ page }, testInfo) => {
  await openApp(page);
  await expect(page.getByTestId('overview')).toBeVisible();
  for (const thing of THINGS) {
    const tile = page.getByTestId(`tile-${thing}`);
    await expect(tile).toBeVisible();
    await expect(tile).toHaveAttribute('data-status', 'connected', { timeout: LIVE_TIMEOUT });
    // At least one key value with a number shown.
    await expect
      .poll(async () => (await tile.locator('.live-value').allTextContents()).some((text) => Number.isFinite(parseShown(text))), { timeout: LIVE_TIMEOUT })
      .toBe(true);
  }
  // A 10 Hz value says how often it arrives.
  await expect(page.getByTestId('tile-thermo-temperature')).toContainText('°C');
  await expect(page.getByTestId('rate-thermo-temperature')).toHaveText(/\d+(\.\d+)?\/s/, { timeout: LIVE_TIMEOUT });
  await expect(page.getByTestId('tile-age-thermo-temperature')).toContainText('ago');
  await expect(page.getByTestId('sparkline-thermo-temperature')).toBeVisible();
  await expect(page.getByTestId('problem-count')).toHaveAttribute('data-count', '0');
  await saveScreenshot(page, testInfo, 'overview');

  // Pinning a property puts it on the tile.
  await page.getByTestId('pin-stage').selectOption('moving');
  await expect(page.getByTestId('tile-stage-moving')).toHaveText(/true|false/);
  await page.getByTestId('pin-toggle-stage-moving').click();
  await expect(page.getByTestId('tile-stage-moving')).toHaveCount(0);

  // A tile opens its Thing; the sidebar leads back.
  await page.getByTestId('tile-open-psu').click();
  await expect(page.getByTestId('thing-view-psu')).toBeVisible();
  await page.getByTestId('nav-overview').click();
  await expect(page.getByTestId('overview')).toBeVisible();
});

test.describe('with training faults', () => {
  let server: ConfigServer | undefined;
  // Browser mode, on a server of its own with the training faults; the desktop app runs the default instruments.
  test.beforeAll(async ({ transport }) => {
    if (transport === 'browser') server = await startConfigServer('config/training-faults.json');
  });
  test.afterAll(async () => {
    await server?.close();
  });

  test('a stall on one instrument is flagged on its tile, in the sidebar and in the header while another Thing is shown', async ({ page }, testInfo) => {
    test.skip(isDesktop(testInfo), 'browser mode: a server of its own with the training faults');
    if (!server) throw new Error('no server with the training faults');
    await page.goto(server.url);
    await waitForApp(page);
    await page.getByTestId('thing-psu').click();
    await expect(page.getByTestId('thing-view-psu')).toBeVisible();
    // The spectrometer stalls for 10 s every 30 s (its connection stays "connected").
    await expect(page.getByTestId('thing-problems-spectrometer')).toBeVisible({ timeout: 45_000 });
    await expect(page.getByTestId('thing-problems-spectrometer')).toHaveAttribute('title', /stalled/);
    const count = Number(await page.getByTestId('problem-count').getAttribute('data-count'));
    expect(count).toBeGreaterThanOrEqual(1);
    await expect(page.getByTestId('thing-view-psu')).toBeVisible();
    await saveScreenshot(page, testInfo, 'stall-while-psu-shown');

    await page.getByTestId('nav-overview').click();
    const tile = page.getByTestId('tile-spectrometer');
    // Still within the stall, or the next one.
    await expect(tile.locator('[data-testid="tile-problem-spectrometer"][data-kind="stalled"]')).toBeVisible({ timeout: 45_000 });
    await saveScreenshot(page, testInfo, 'overview-stall');
    // Once values flow again the flag goes away by itself.
    await expect(tile.locator('[data-kind="stalled"]')).toHaveCount(0, { timeout: 30_000 });
  });
});
