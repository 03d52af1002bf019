import { expect, test, type Page } from './fixtures';
import { saveScreenshot, waitForApp } from './helpers';
import { startOwnServer, startReplayProcess, type OwnServer, type ReplayProcess } from './support/own-server';
import { REMOTE_TIMEOUT } from './support/remote-servers';

// Against the LabThings stand-in built from the recorded labthings-fastapi v0.3.0 exchanges
// (its Thing Description is the recorded one), with a Lab Monitor of its own that waits up
// to 10 min between reconnect attempts, so "Retry now" can be told apart from waiting.

const TOKEN = 'e2e-own-token-0123456789abcdef';
let replay: ReplayProcess;
let lab: OwnServer;

test.describe.configure({ mode: 'serial' });
test.skip(
  ({ transport }) => transport !== 'browser',
  'needs a Lab Monitor of its own (a 10 min reconnect ceiling, a restart with a new token): the desktop app is shared by the run',
);

test.beforeAll(async ({ transport }) => {
  if (transport !== 'browser') return;
  replay = await startReplayProcess();
  lab = await startOwnServer({ token: TOKEN, args: ['--connect', replay.url, '--retry-max-sec', '600'] });
});

test.afterAll(async () => {
  await lab?.stop();
  await replay?.stop();
});

async function openSensor(page: Page): Promise<void> {
  await page.goto(lab.url);
  await waitForApp(page);
  await page.getByTestId('thing-sensor').click();
  await expect(page.getByTestId('thing-view-sensor')).toBeVisible({ timeout: REMOTE_TIMEOUT });
  await expect(page.getByTestId('thing-status')).toHaveText('connected', { timeout: REMOTE_TIMEOUT });
}

test('a LabThings action that takes no input runs with one click', async ({ page }, testInfo) => {
  await openSensor(page);
  const card = page.getByTestId('action-sensor-increment_counter');
  // Described as oneOf an empty object or null: no free-text field to type {} into.
  await expect(card.locator('input, select, textarea')).toHaveCount(0);
  await expect(card).not.toContainText('increment_counter_input');
  await page.getByTestId('run-sensor-increment_counter').click();
  const row = card.locator('li[data-testid^="invocation-"]').first();
  await expect(row).toHaveAttribute('data-status', 'completed', { timeout: REMOTE_TIMEOUT });
  await expect(page.getByTestId('run-error-sensor-increment_counter')).toHaveCount(0);
  // What the TD says about inputs is shown: calibrate's offset and its exclusive bound on gain.
  await expect(page.getByTestId('input-help-sensor-calibrate-offset')).toContainText('Offset added, in degC.');
  await expect(page.getByTestId('input-help-sensor-calibrate-gain')).toContainText('> 0');
  // The functional property is polled, and says so.
  await expect(page.getByTestId('freshness-sensor-doubled')).toHaveText('polled every 1 s', { timeout: REMOTE_TIMEOUT });
  await expect(page.getByTestId('freshness-sensor-temperature')).toHaveText('pushed');
  await saveScreenshot(page, testInfo, 'truth-labthings-no-input');
});

test('Retry now reconnects at once instead of at the next attempt', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  await openSensor(page);
  const port = replay.port;
  await replay.stop();
  await expect(page.getByTestId('thing-status')).toHaveText('disconnected', { timeout: REMOTE_TIMEOUT });
  // Attempts grow apart while nothing answers; wait until the next is at least 8 s away.
  const next = page.getByTestId('thing-next-attempt');
  await expect
    .poll(async () => Number(/in (\d+) s/.exec((await next.textContent()) ?? '')?.[1] ?? 0), { timeout: 150_000, intervals: [500] })
    .toBeGreaterThanOrEqual(8);
  replay = await startReplayProcess(port);
  // The instrument is back, but Lab Monitor would only notice at its next attempt.
  await page.waitForTimeout(1_000);
  await expect(page.getByTestId('thing-status')).toHaveText('disconnected');
  await saveScreenshot(page, testInfo, 'truth-next-attempt');
  await page.getByTestId('thing-retry').click();
  await expect(page.getByTestId('thing-status')).toHaveText('connected', { timeout: 3_000 });
});

test('a tab whose access token is refused says so and what to do', async ({ page }, testInfo) => {
  const first = await startOwnServer({ token: 'first-token-0123456789abcdef' });
  let second: OwnServer | undefined;
  try {
    await page.goto(first.url);
    await waitForApp(page);
    await first.stop();
    // Restarted with a new token: the open tab's old one is refused.
    second = await startOwnServer({ token: 'second-token-0123456789abcdef', port: first.port });
    const banner = page.getByTestId('connection-banner');
    await expect(banner).toHaveAttribute('data-reason', 'refused', { timeout: 30_000 });
    await expect(banner).toContainText('refused this page’s access token');
    await expect(banner).toContainText('Open the new URL');
    await expect(page.getByTestId('link-status')).toContainText('access refused');
    await saveScreenshot(page, testInfo, 'truth-token-refused');
  } finally {
    await second?.stop();
    await first.stop();
  }
});
