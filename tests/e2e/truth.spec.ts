import { expect, test, type Page } from './fixtures';
import { LIVE_TIMEOUT, openApp, runAction, saveScreenshot, selectThing } from './helpers';

// What the operator sees is true when they come back to a Thing, and still when a run ended.

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

/** The server is shared: a pump-down left running by another test would refuse ours (CONFLICT). */
async function cancelVacuumRuns(page: Page): Promise<void> {
  await selectThing(page, 'vacuum');
  for (const action of ['startPumpDown', 'vent']) {
    const cancels = page.getByTestId(`action-vacuum-${action}`).locator('button[data-testid^="cancel-"]');
    for (let attempt = 0; attempt < 5 && (await cancels.count()) > 0; attempt += 1) {
      await cancels.first().click();
      await expect(cancels).toHaveCount(0, { timeout: 5_000 }).catch(() => undefined);
    }
    await expect(cancels).toHaveCount(0);
  }
}

/** A bar that animates has no value: `:indeterminate`. */
const isIndeterminate = (page: Page, id: string): Promise<boolean> =>
  page.getByTestId(`progress-${id}`).evaluate((element) => element.matches(':indeterminate'));

test('a pump-down that fails while the PSU is shown is shown failed on coming back, at once', async ({ page }, testInfo) => {
  await cancelVacuumRuns(page);
  // 1e-9 mbar is below what the turbo pump reaches: it gives up after 2 s.
  await page.getByTestId('input-vacuum-startPumpDown-targetMbar').fill('1e-9');
  await page.getByTestId('input-vacuum-startPumpDown-timeoutS').fill('2');
  const id = await runAction(page, 'vacuum', 'startPumpDown');
  await expect(page.getByTestId(`invocation-${id}`)).toHaveAttribute('data-status', 'running', { timeout: LIVE_TIMEOUT });

  await selectThing(page, 'psu');
  // Long enough for the pump-down to give up while the PSU is on screen.
  await page.waitForTimeout(4_000);
  await page.getByTestId('thing-vacuum').click();
  // At once: no refresh, no second wait for the instrument.
  const row = page.getByTestId(`invocation-${id}`);
  await expect(row).toHaveAttribute('data-status', 'error', { timeout: 1_500 });
  await expect(page.getByTestId(`cancel-${id}`)).toHaveCount(0);
  await expect(page.getByTestId(`error-${id}`)).toContainText('did not reach 1e-9 mbar within 2 s');
  // The inputs of the run are shown with it, and the form kept what was typed.
  await expect(page.getByTestId(`inputs-${id}`)).toContainText('targetMbar = 1e-9');
  await expect(page.getByTestId('input-vacuum-startPumpDown-targetMbar')).toHaveValue('1e-9');
  await expect(page.getByTestId('input-vacuum-startPumpDown-timeoutS')).toHaveValue('2');
  expect(await isIndeterminate(page, id)).toBe(false);
  await saveScreenshot(page, testInfo, 'truth-failed-while-away');
});

test('a cancelled run’s progress bar stands still', async ({ page }, testInfo) => {
  await cancelVacuumRuns(page);
  await page.getByTestId('input-vacuum-startPumpDown-targetMbar').fill('1e-9');
  await page.getByTestId('input-vacuum-startPumpDown-timeoutS').fill('600');
  const id = await runAction(page, 'vacuum', 'startPumpDown');
  // Cancelled at once, before it reported any progress: the bar was indeterminate then.
  await page.getByTestId(`cancel-${id}`).click();
  await expect(page.getByTestId(`invocation-${id}`)).toHaveAttribute('data-status', 'cancelled', { timeout: LIVE_TIMEOUT });
  expect(await isIndeterminate(page, id)).toBe(false);
  const bar = page.getByTestId(`progress-${id}`);
  const value = await bar.evaluate((element) => (element as HTMLProgressElement).value);
  await page.waitForTimeout(1_000);
  expect(await bar.evaluate((element) => (element as HTMLProgressElement).value)).toBe(value);
  expect(await isIndeterminate(page, id)).toBe(false);
  await saveScreenshot(page, testInfo, 'truth-cancelled-still');
});

test('an action input outside its exclusive bound is refused next to that input, and the error goes when it is fixed', async ({ page }) => {
  await selectThing(page, 'vacuum');
  await expect(page.getByTestId('input-help-vacuum-startPumpDown-targetMbar')).toContainText('0 < x ≤ 1000 mbar');
  await page.getByTestId('input-vacuum-startPumpDown-targetMbar').fill('0');
  await page.getByTestId('run-vacuum-startPumpDown').click();
  await expect(page.getByTestId('input-error-vacuum-startPumpDown-targetMbar')).toHaveText('out of range (0 < x ≤ 1000 mbar)');
  await page.getByTestId('input-vacuum-startPumpDown-targetMbar').fill('0.5');
  await expect(page.getByTestId('input-error-vacuum-startPumpDown-targetMbar')).toHaveCount(0);
});
