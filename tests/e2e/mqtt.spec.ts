import mqtt from 'mqtt';
import { expect, test } from './fixtures';
import { openApp, parseShown, runAction, saveScreenshot, selectThing } from './helpers';
import { REMOTE_TIMEOUT } from './support/remote-servers';
import { findMosquitto, startMosquitto, type Mosquitto } from '../main/drivers/servers/mosquitto';
import { startChiller, type ChillerServient } from '../main/drivers/servers/node-wot';

// A real Mosquitto on a free port of 127.0.0.1 and an Eclipse Thingweb node-wot servient that
// exposes a "Chiller" Thing through it (retained TD on the topic `Chiller` at the broker root).
const binary = findMosquitto();
const THING = 'chiller';

let broker: Mosquitto | undefined;
let chiller: ChillerServient | undefined;

test.skip(!binary, 'mosquitto is not installed');

test.beforeAll(async () => {
  broker = await startMosquitto(binary ?? 'mosquitto');
  chiller = await startChiller(broker.port, 200);
});

test.afterAll(async () => {
  await chiller?.stop();
  await broker?.stop();
});

test('an MQTT broker added in the UI brings in the node-wot Thing, live, writable and with its action', async ({ page }, testInfo) => {
  const port = broker?.port ?? 0;
  const url = `mqtt://127.0.0.1:${port}`;
  await openApp(page, REMOTE_TIMEOUT);

  await test.step('add the broker by URL', async () => {
    await page.getByTestId('add-instrument').click();
    await page.getByTestId('instrument-url').fill(url);
    await page.getByTestId('instrument-submit').click();
    const row = page.getByTestId('instrument-list').locator('li', { hasText: `127.0.0.1:${port}` });
    await expect(row).toHaveCount(1, { timeout: REMOTE_TIMEOUT });
    await expect(row).toContainText('mqtt');
    await expect(page.getByTestId('instrument-error')).toHaveCount(0);
    await page.getByTestId('instruments-close').click();
  });

  await test.step('the Thing comes from its TD: named by its title, connected once its values flow', async () => {
    const item = page.getByTestId(`thing-${THING}`);
    await expect(item).toBeVisible({ timeout: REMOTE_TIMEOUT });
    await expect(item).toContainText('Chiller');
    await expect(item).toHaveAttribute('data-status', 'connected', { timeout: REMOTE_TIMEOUT });
    await selectThing(page, THING);
    const shown = page.getByTestId(`value-${THING}-temperature`);
    let first = Number.NaN;
    await expect.poll(async () => (first = parseShown(await shown.textContent())), { timeout: REMOTE_TIMEOUT }).not.toBeNaN();
    await expect.poll(async () => parseShown(await shown.textContent()), { timeout: REMOTE_TIMEOUT }).not.toBe(first);
  });

  await test.step('a setpoint written in the UI reaches the servient and comes back', async () => {
    await page.getByTestId(`edit-${THING}-setpoint`).fill('-12.5');
    await page.getByTestId(`edit-submit-${THING}-setpoint`).click();
    await expect.poll(() => chiller?.writes.includes(-12.5), { timeout: REMOTE_TIMEOUT }).toBe(true);
    await expect.poll(async () => parseShown(await page.getByTestId(`value-${THING}-setpoint`).textContent()), { timeout: REMOTE_TIMEOUT }).toBe(-12.5);
  });

  await test.step('an action run in the UI reaches the servient', async () => {
    await page.getByTestId(`input-${THING}-defrost-value`).fill('7');
    const invocation = await runAction(page, THING, 'defrost', REMOTE_TIMEOUT);
    await expect(page.getByTestId(`invocation-${invocation}`)).toHaveAttribute('data-status', 'completed', { timeout: REMOTE_TIMEOUT });
    await expect.poll(() => chiller?.invocations.includes(7), { timeout: REMOTE_TIMEOUT }).toBe(true);
    await saveScreenshot(page, testInfo, 'mqtt-node-wot-thing');
  });

  await test.step('removed, its Thing goes away', async () => {
    await page.getByTestId('add-instrument').click();
    await page.getByTestId('instrument-list').locator('button[data-testid^="remove-instrument-"]').first().click();
    await expect(page.getByTestId(`thing-${THING}`)).toHaveCount(0, { timeout: REMOTE_TIMEOUT });
    await page.getByTestId('instruments-close').click();
  });
});

test("the Share panel publishes Lab Monitor's Things to the broker", async ({ page }, testInfo) => {
  const port = broker?.port ?? 0;
  await openApp(page, REMOTE_TIMEOUT);
  await page.getByTestId('share').click();
  await page.getByTestId('share-url').fill(`mqtt://127.0.0.1:${port}/e2e`);
  await page.getByTestId('share-submit').click();
  await expect(page.getByTestId('share-status')).toHaveAttribute('data-status', 'connected', { timeout: REMOTE_TIMEOUT });
  await expect(page.getByTestId('share-status')).toContainText('under e2e/');
  await saveScreenshot(page, testInfo, 'mqtt-share-panel');

  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  try {
    const td = new Promise<Record<string, unknown>>((resolve) => {
      client.on('message', (topic, payload) => {
        if (topic === 'e2e/td/thermo' && payload.length > 0) resolve(JSON.parse(payload.toString()) as Record<string, unknown>);
      });
    });
    await client.subscribeAsync('e2e/td/thermo');
    expect((await td).title).toBe('Temperature controller TC-1');
  } finally {
    await client.endAsync(true);
  }

  await page.getByTestId('share-stop').click();
  await expect(page.getByTestId('share-status')).toContainText('Not sharing', { timeout: REMOTE_TIMEOUT });
});
