import { expect, test, type Page } from './fixtures';
import { E2E_VIEWER_URL } from '../../playwright.config';
import { LIVE_TIMEOUT, openApp, parseShown, readNumber, runAction, saveScreenshot, selectThing, waitForApp } from './helpers';

test.skip(({ transport }) => transport !== 'browser', 'browser-mode only: viewer URLs and their tokens belong to browser mode; the desktop window is always an operator');

/** Makes calls from inside the page, over a socket of its own with the page's token: what a forged call would do. */
async function forge(page: Page, calls: Array<[string, unknown]>): Promise<unknown[]> {
  return page.evaluate(async (list) => {
    const token = sessionStorage.getItem('lab-monitor-token') ?? '';
    const socket = new WebSocket(`ws://${location.host}/ws?token=${token}`);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    const results = new Map<number, unknown>();
    socket.onmessage = (event) => {
      const frame = JSON.parse(String(event.data)) as { type: string; id: number; result: unknown };
      if (frame.type === 'result') results.set(frame.id, frame.result);
    };
    list.forEach(([channel, request], index) => socket.send(JSON.stringify({ type: 'call', id: index + 1, channel, request })));
    const deadline = Date.now() + 10_000;
    while (results.size < list.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    socket.close();
    return list.map((_call, index) => results.get(index + 1));
  }, calls);
}

test('a viewer URL shows live values without any write, run, cancel or add control, and its forged calls are refused', async ({ page, browser }, testInfo) => {
  await page.goto(E2E_VIEWER_URL);
  await waitForApp(page);
  // The token left the address bar once the page had it.
  expect(page.url()).not.toContain('token=');
  await expect(page.getByTestId('view-only')).toBeVisible();
  await expect(page.getByTestId('add-instrument')).toHaveCount(0);

  await selectThing(page, 'thermo');
  const value = page.getByTestId('value-thermo-temperature');
  const first = await readNumber(value);
  await expect.poll(async () => parseShown(await value.textContent()), { timeout: LIVE_TIMEOUT }).not.toBe(first);
  await expect(page.getByTestId('action-thermo-rampTo')).toBeVisible();
  await expect(page.getByTestId('edit-thermo-setpoint')).toHaveCount(0);
  await expect(page.getByTestId('run-thermo-rampTo')).toHaveCount(0);
  await expect(page.getByTestId('prop-thermo-setpoint')).toContainText('view only');

  // An operator runs an action: the viewer sees it, without a Cancel button.
  const operator = await browser.newPage();
  await openApp(operator);
  await selectThing(operator, 'thermo');
  // A slow ramp, so it is still running while the viewer looks at it.
  await operator.getByTestId('input-thermo-rampTo-target').fill('150');
  await operator.getByTestId('input-thermo-rampTo-ratePerMin').fill('1');
  const id = await runAction(operator, 'thermo', 'rampTo');
  await expect(page.getByTestId(`invocation-${id}`)).toHaveAttribute('data-status', 'running', { timeout: LIVE_TIMEOUT });
  await expect(operator.getByTestId(`cancel-${id}`)).toBeVisible();
  await expect(page.getByTestId(`cancel-${id}`)).toHaveCount(0);
  await saveScreenshot(page, testInfo, 'viewer-thermo');

  const setpointBefore = await readNumber(page.getByTestId('value-thermo-setpoint'));
  const results = await forge(page, [
    ['lab:property:write', { thing: 'thermo', property: 'setpoint', value: setpointBefore + 7 }],
    ['lab:action:invoke', { thing: 'thermo', action: 'rampTo', input: { target: 30 } }],
    ['lab:action:cancel', { thing: 'thermo', id }],
    ['lab:instruments:add', { url: 'http://127.0.0.1:9/' }],
    ['lab:instruments:remove', { id: 'any' }],
    ['lab:property:read', { thing: 'thermo', property: 'setpoint' }],
  ]);
  for (const result of results.slice(0, 5)) expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(results[5]).toMatchObject({ ok: true });
  // The forged write did nothing: the setpoint is where the (slow) ramp has it, not 7 higher.
  expect(Math.abs(Number((results[5] as { value: number }).value) - setpointBefore)).toBeLessThan(1);
  await expect(page.getByTestId(`invocation-${id}`)).toHaveAttribute('data-status', 'running');
  await operator.getByTestId(`cancel-${id}`).click();
  await expect(page.getByTestId(`invocation-${id}`)).toHaveAttribute('data-status', 'cancelled', { timeout: LIVE_TIMEOUT });
  await operator.close();
});
