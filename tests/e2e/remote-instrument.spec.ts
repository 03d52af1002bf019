import { createServer } from 'node:net';
import { expect, test, type Locator, type Page } from './fixtures';
import { openApp, parseShown, runAction } from './helpers';
import {
  REMOTE_TIMEOUT,
  nextShownNumber,
  startGarbageServer,
  startWotServer,
  type GarbageServer,
  type WotServer,
} from './support/remote-servers';

// A generic WoT Thing over HTTP (temperature observed by SSE, humidity by long-poll, an
// asynchronous `measure` action) and an HTTP server that is no instrument at all, both on
// 127.0.0.1 with free ports. The Thing's name comes from its title "Climate Box".
const THING = 'climate-box';

let wot: WotServer;
let garbage: GarbageServer;

test.beforeAll(async () => {
  wot = await startWotServer();
  garbage = await startGarbageServer();
});

/** The browser-mode server is shared by all tests: take away whatever remote instrument a failed test left behind. */
test.afterEach(async ({ page }) => {
  if (!/^(https?|file):/.test(page.url())) return;
  await openInstrumentsPanel(page);
  const removes = page.getByTestId('instrument-list').locator('button[data-testid^="remove-instrument-"]');
  for (let left = await removes.count(); left > 0; left -= 1) {
    await removes.first().click();
    await expect(removes).toHaveCount(left - 1, { timeout: REMOTE_TIMEOUT });
  }
});

test.afterAll(async () => {
  await wot?.close();
  await garbage?.close();
});

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function openInstrumentsPanel(page: Page): Promise<Locator> {
  const panel = page.getByTestId('instruments-panel');
  if (!(await panel.isVisible())) await page.getByTestId('add-instrument').click();
  await expect(panel).toBeVisible();
  return panel;
}

async function closeInstrumentsPanel(page: Page): Promise<void> {
  await page.getByTestId('instruments-close').click();
  await expect(page.getByTestId('instruments-panel')).toHaveCount(0);
}

/** The row of the instruments list showing this URL. */
function instrumentRow(page: Page, url: string): Locator {
  return page.getByTestId('instrument-list').locator('li[data-testid^="instrument-"]').filter({ hasText: url });
}

async function instrumentId(row: Locator): Promise<string> {
  const testId = (await row.getAttribute('data-testid')) ?? '';
  expect(testId).toMatch(/^instrument-.+/);
  return testId.slice('instrument-'.length);
}

async function thingNames(page: Page): Promise<string[]> {
  const buttons = page.getByTestId('thing-list').locator('button[data-testid^="thing-"]');
  const testIds = await buttons.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-testid') ?? ''));
  return testIds.map((testId) => testId.slice('thing-'.length));
}

/**
 * Sets a value on the remote Thing until the page shows it. Setting again is harmless and
 * covers an event stream that opens a moment after the Thing reports connected.
 */
async function pushUntilShown(page: Page, property: string, value: number): Promise<void> {
  const shown = page.getByTestId(`value-${THING}-${property}`);
  await expect
    .poll(
      async () => {
        wot.set(property, value);
        return parseShown(await shown.textContent());
      },
      { timeout: REMOTE_TIMEOUT, message: `${THING}.${property} shows ${value}` },
    )
    .toBe(value);
}

test('add a WoT instrument by URL, watch its live values, run an action, remove it', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await openApp(page, REMOTE_TIMEOUT);
  expect(await thingNames(page)).not.toContain(THING);

  const id = await test.step('add the instrument by URL', async () => {
    await openInstrumentsPanel(page);
    await page.getByTestId('instrument-url').fill(wot.tdUrl);
    await page.getByTestId('instrument-submit').click();
    const row = instrumentRow(page, wot.tdUrl);
    await expect(row).toHaveCount(1, { timeout: REMOTE_TIMEOUT });
    await expect(page.getByTestId('instrument-error')).toHaveCount(0);
    await expect(row).toContainText('wot');
    await expect(row).toContainText(THING);
    await expect(page.getByTestId('instrument-url')).toHaveValue('');
    const added = await instrumentId(row);
    await closeInstrumentsPanel(page);
    return added;
  });

  await test.step('its Thing appears in the sidebar and connects', async () => {
    const item = page.getByTestId(`thing-${THING}`);
    await expect(item).toBeVisible({ timeout: REMOTE_TIMEOUT });
    await expect(item).toContainText('Climate Box');
    // Shown live: no reload. The Thing connects within milliseconds of being listed, so this
    // also checks that a state change right after the listing is not lost.
    await expect(item, 'the new Thing is shown connected in the sidebar').toHaveAttribute('data-status', 'connected', {
      timeout: REMOTE_TIMEOUT,
    });
  });

  await test.step('selected, it shows the current values, then follows the server live', async () => {
    await page.getByTestId(`thing-${THING}`).click();
    await expect(page.getByTestId(`thing-view-${THING}`)).toBeVisible({ timeout: REMOTE_TIMEOUT });
    await expect(page.getByTestId('thing-status')).toContainText('connected');
    const temperature = page.getByTestId(`value-${THING}-temperature`);
    const first = await nextShownNumber(temperature, Number.NaN, `${THING}.temperature shows a value`);
    expect(first).toBe(wot.values.get('temperature'));
    for (const value of [21.25, 22.5, 19.75]) await pushUntilShown(page, 'temperature', value); // server-sent events
    for (const value of [41.5, 43.25]) await pushUntilShown(page, 'humidity', value); // long-poll
  });

  await test.step('its asynchronous action runs until completed, with its output', async () => {
    const invocation = await runAction(page, THING, 'measure', REMOTE_TIMEOUT);
    await expect(page.getByTestId(`invocation-${invocation}`)).toHaveAttribute('data-status', 'completed', { timeout: REMOTE_TIMEOUT });
    await expect(page.getByTestId(`status-${invocation}`)).toHaveText('completed');
    await expect(page.getByTestId(`output-${invocation}`)).toHaveText('42');
    await expect(page.getByTestId(`error-${invocation}`)).toHaveCount(0);
    await page.screenshot({ path: testInfo.outputPath('remote-instrument-connected.png'), fullPage: true });
  });

  await test.step('removed, its row and its Thing go away', async () => {
    await openInstrumentsPanel(page);
    await expect(page.getByTestId(`instrument-${id}`)).toBeVisible();
    await page.getByTestId(`remove-instrument-${id}`).click();
    await expect(page.getByTestId(`instrument-${id}`)).toHaveCount(0, { timeout: REMOTE_TIMEOUT });
    await expect(page.getByTestId('instrument-error')).toHaveCount(0);
    await closeInstrumentsPanel(page);
    await expect(page.getByTestId(`thing-${THING}`)).toHaveCount(0, { timeout: REMOTE_TIMEOUT });
    await expect(page.getByTestId('thing-list')).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath('remote-instrument-removed.png'), fullPage: true });
  });
});

test('a URL that is no instrument is refused with a reason; an unreachable one is kept as disconnected; the simulated ones keep going', async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  await openApp(page, REMOTE_TIMEOUT);
  const thingsBefore = await thingNames(page);
  expect(thingsBefore).toContain('thermo');

  await openInstrumentsPanel(page);
  const error = page.getByTestId('instrument-error');

  // Not a URL at all: refused in the form.
  await page.getByTestId('instrument-url').fill('not a url');
  await page.getByTestId('instrument-submit').click();
  await expect(error).toContainText('Enter a full URL');

  // A web server that answers HTML: refused, with what was wrong, and not listed.
  const requestsBefore = garbage.requests();
  await page.getByTestId('instrument-url').fill(garbage.url);
  await page.getByTestId('instrument-submit').click();
  await expect(error).toContainText('DRIVER_FAULT', { timeout: REMOTE_TIMEOUT });
  await expect(error).toContainText('not JSON');
  await expect(error).toContainText(garbage.url);
  expect(garbage.requests()).toBeGreaterThan(requestsBefore);
  await expect(instrumentRow(page, garbage.url)).toHaveCount(0);
  await expect(page.getByTestId('instrument-url')).toHaveValue(garbage.url);
  await page.screenshot({ path: testInfo.outputPath('remote-instrument-refused.png'), fullPage: true });

  // Nothing answers: kept, disconnected, with the reason, until removed.
  const unreachable = `http://127.0.0.1:${await closedPort()}/`;
  await page.getByTestId('instrument-url').fill(unreachable);
  await page.getByTestId('instrument-submit').click();
  const row = instrumentRow(page, unreachable);
  await expect(row).toHaveCount(1, { timeout: REMOTE_TIMEOUT });
  await expect(error).toHaveCount(0);
  await expect(row).toHaveAttribute('data-status', 'disconnected');
  await expect(row.locator('.instrument-url')).toHaveAttribute('title', /ECONNREFUSED/);
  // Said at once, not only on hover: the operator may have mistyped the address.
  await expect(page.getByTestId('instrument-notice')).toContainText(/not reachable yet: .*ECONNREFUSED/);
  await expect(row.locator('.instrument-reason')).toContainText('ECONNREFUSED');
  const id = await instrumentId(row);
  await page.getByTestId(`remove-instrument-${id}`).click();
  await expect(row).toHaveCount(0, { timeout: REMOTE_TIMEOUT });
  await expect(page.getByTestId('instrument-notice')).toHaveCount(0);
  await closeInstrumentsPanel(page);

  // The sidebar is unchanged and the simulated thermometer still updates.
  expect(await thingNames(page)).toEqual(thingsBefore);
  await page.getByTestId('thing-thermo').click();
  await expect(page.getByTestId('thing-view-thermo')).toBeVisible({ timeout: REMOTE_TIMEOUT });
  const thermo = page.getByTestId('value-thermo-temperature');
  const now = await nextShownNumber(thermo, Number.NaN, 'thermo.temperature shows a value');
  await nextShownNumber(thermo, now, 'thermo.temperature changes');
});
