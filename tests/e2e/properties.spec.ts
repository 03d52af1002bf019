import { expect, test } from './fixtures';
import { LIVE_TIMEOUT, THINGS, openApp, parseShown, readNumber, saveScreenshot, selectThing, timelineSince } from './helpers';

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

test('lists the five simulated instruments, all connected', async ({ page }) => {
  const list = page.getByTestId('thing-list');
  // Exactly five simulated ones; instruments added by other tests on the shared server may be listed too.
  await expect(list.locator('[data-testid^="thing-"][data-status]').filter({ hasText: '· simulated' })).toHaveCount(THINGS.length);
  for (const thing of THINGS) {
    const item = page.getByTestId(`thing-${thing}`);
    await expect(item).toBeVisible();
    await expect(item).toHaveAttribute('data-status', 'connected', { timeout: LIVE_TIMEOUT });
    await expect(page.getByTestId(`thing-reason-${thing}`)).toHaveCount(0);
  }
  // Each one opens its own view with its properties.
  for (const thing of THINGS) {
    await selectThing(page, thing);
    await expect(page.getByTestId(`thing-${thing}`)).toHaveAttribute('aria-current', 'true');
    await expect(page.getByTestId('thing-status')).toHaveText('connected');
    await expect(page.getByTestId(`properties-${thing}`).locator('tr.prop').first()).toBeVisible();
  }
});

test('the thermo temperature updates live and stays fresh', async ({ page }, testInfo) => {
  await selectThing(page, 'thermo');
  const value = page.getByTestId('value-thermo-temperature');
  const age = page.getByTestId('age-thermo-temperature');
  const first = await value.textContent();
  expect(parseShown(first)).not.toBeNaN();
  await expect(value).toHaveText(/°C$/);
  // 10 Hz with sensor noise: the shown text changes within a few updates.
  await expect.poll(async () => value.textContent(), { timeout: LIVE_TIMEOUT }).not.toBe(first);
  const second = await value.textContent();
  await expect.poll(async () => value.textContent(), { timeout: LIVE_TIMEOUT }).not.toBe(second);
  // The age is that of the latest sample, never growing beyond a couple of update periods.
  for (let sample = 0; sample < 3; sample += 1) {
    await expect.poll(async () => parseShown(await age.textContent()), { timeout: LIVE_TIMEOUT }).toBeLessThan(2);
  }
  await expect(page.getByTestId('prop-thermo-temperature')).toHaveAttribute('data-stale', 'false');
  await expect(page.getByTestId('stale-thermo-temperature')).toHaveCount(0);
  await saveScreenshot(page, testInfo, 'app-thermo');
});

test('writing a setpoint drives the temperature towards it', async ({ page }) => {
  await selectThing(page, 'thermo');
  const temperature = page.getByTestId('value-thermo-temperature');
  const start = await readNumber(temperature);
  // Up by 40 °C unless that would leave the range; either way a clear move of several degrees.
  const target = Math.round(start < 150 ? start + 40 : start - 40);
  const direction = Math.sign(target - start);

  await page.getByTestId('edit-thermo-setpoint').fill(String(target));
  await page.getByTestId('edit-submit-thermo-setpoint').click();
  await expect(page.getByTestId('edit-error-thermo-setpoint')).toHaveCount(0);
  await expect.poll(async () => parseShown(await page.getByTestId('value-thermo-setpoint').textContent()), { timeout: LIVE_TIMEOUT }).toBe(target);
  // The input is cleared once the host accepted the value.
  await expect(page.getByTestId('edit-thermo-setpoint')).toHaveValue('');

  await expect
    .poll(async () => direction * (parseShown(await temperature.textContent()) - start), {
      timeout: 30_000,
      message: `temperature moving from ${start} towards ${target} °C`,
    })
    .toBeGreaterThan(8);
  // The heater follows the controller: full power going up, off going down.
  if (direction > 0) await expect.poll(async () => parseShown(await page.getByTestId('value-thermo-heaterPower').textContent())).toBeGreaterThan(10);
});

test('an out-of-range setpoint shows the limit next to the field and is not written', async ({ page }) => {
  const since = Date.now() - 1000;
  await selectThing(page, 'thermo');
  const setpointShown = await page.getByTestId('value-thermo-setpoint').textContent();
  const input = page.getByTestId('edit-thermo-setpoint');
  await input.fill('500');
  await page.getByTestId('edit-submit-thermo-setpoint').click();

  const error = page.getByTestId('edit-error-thermo-setpoint');
  await expect(error).toBeVisible();
  await expect(error).toContainText('200');
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  // The error sits in the same form as the field, not in a browser tooltip.
  await expect(page.getByTestId('edit-form-thermo-setpoint').getByTestId('edit-error-thermo-setpoint')).toBeVisible();
  await expect(page.getByTestId('value-thermo-setpoint')).toHaveText(setpointShown ?? '');
  expect(await timelineSince(page, since, { kind: 'write', thing: 'thermo' })).toEqual([]);

  // Editing clears the message.
  await input.fill('50');
  await expect(error).toHaveCount(0);

  // Not a number at all.
  await input.fill('');
  await page.getByTestId('edit-submit-thermo-setpoint').click();
  await expect(error).toHaveText('required');
});

test('a write the host refuses shows the host message next to the field', async ({ page, transport }) => {
  test.skip(transport !== 'browser', "it alters browser mode's WebSocket frames in flight; the desktop app speaks IPC, which a test cannot alter on its way");
  const since = Date.now() - 1000;
  // Every value the form accepts is valid for the simulated host too, so the request is
  // altered on its way to make the real host refuse it with its own message.
  await page.routeWebSocket(/\/ws/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      if (typeof message !== 'string') {
        server.send(message);
        return;
      }
      const frame: unknown = JSON.parse(message);
      if (isSetpointWrite(frame)) {
        server.send(JSON.stringify({ ...frame, request: { ...frame.request, value: 999 } }));
        return;
      }
      server.send(message);
    });
  });
  await openApp(page);
  await selectThing(page, 'thermo');
  const setpointShown = await page.getByTestId('value-thermo-setpoint').textContent();

  await page.getByTestId('edit-thermo-setpoint').fill('42');
  await page.getByTestId('edit-submit-thermo-setpoint').click();
  const error = page.getByTestId('edit-error-thermo-setpoint');
  await expect(error).toBeVisible({ timeout: LIVE_TIMEOUT });
  await expect(error).toContainText('200');
  await expect(error).toContainText('setpoint');
  await expect(page.getByTestId('edit-thermo-setpoint')).toHaveValue('42');
  await expect(page.getByTestId('value-thermo-setpoint')).toHaveText(setpointShown ?? '');
  // Recorded as a refused write, with what the host was asked and its message.
  await expect
    .poll(async () => (await timelineSince(page, since, { kind: 'write', thing: 'thermo' })).map((entry) => entry.text), { timeout: LIVE_TIMEOUT })
    .toEqual([expect.stringMatching(/setpoint ← 999 °C by .* refused: .*200/)]);
});

interface WriteFrame {
  type: 'call';
  channel: 'lab:property:write';
  request: { thing: string; property: string; value: unknown };
}

function isSetpointWrite(frame: unknown): frame is WriteFrame {
  if (typeof frame !== 'object' || frame === null || !('channel' in frame) || !('request' in frame)) return false;
  const { channel, request } = frame;
  if (channel !== 'lab:property:write' || typeof request !== 'object' || request === null) return false;
  return 'thing' in request && request.thing === 'thermo' && 'property' in request && request.property === 'setpoint';
}

test('a boolean editor follows the live value, so Set without a change keeps the output on', async ({ page }) => {
  await selectThing(page, 'psu');
  const value = page.getByTestId('value-psu-outputEnabled');
  const box = page.getByTestId('edit-psu-outputEnabled');
  await expect(value).toHaveText('true', { timeout: LIVE_TIMEOUT });
  await expect(box).toBeChecked();
  await page.getByTestId('edit-submit-psu-outputEnabled').click();
  await expect(page.getByTestId('timeline').getByTestId('timeline-entry').filter({ hasText: 'outputEnabled ← true' })).not.toHaveCount(0);
  await expect(value).toHaveText('true');
  await expect(box).toBeChecked();
});
