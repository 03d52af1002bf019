import { expect, test, type Locator } from './fixtures';
import { LIVE_TIMEOUT, cancelActiveStageMoves, openApp, readNumber, runAction, saveScreenshot, selectThing } from './helpers';

const KINDS = ['property', 'action', 'write', 'connection'] as const;

test('the timeline shows writes and action transitions, filtered by Thing and kind', async ({ page }, testInfo) => {
  await openApp(page);
  const timeline = page.getByTestId('timeline');
  const entries = timeline.getByTestId('timeline-entry');
  const texts = async (locator: Locator) => locator.evaluateAll((elements) => elements.map((element) => element.textContent ?? ''));

  // A setpoint write (kept near the current value so other tests' temperatures are not disturbed much).
  await selectThing(page, 'thermo');
  const setpoint = await readNumber(page.getByTestId('value-thermo-setpoint'));
  const written = Math.round(setpoint < 190 ? setpoint + 2 : setpoint - 2);
  await page.getByTestId('edit-thermo-setpoint').fill(String(written));
  await page.getByTestId('edit-submit-thermo-setpoint').click();
  const writes = entries.and(page.locator('[data-kind="write"][data-thing="thermo"]'));
  await expect(writes).toHaveCount(1, { timeout: LIVE_TIMEOUT });
  await expect(writes).toContainText(`setpoint ← ${written} °C`);

  // A short ramp back and a short stage move.
  await page.getByTestId('input-thermo-rampTo-target').fill(String(setpoint));
  await page.getByTestId('input-thermo-rampTo-ratePerMin').fill('600');
  const ramp = await runAction(page, 'thermo', 'rampTo');
  await expect(page.getByTestId(`invocation-${ramp}`)).toHaveAttribute('data-status', 'completed', { timeout: 30_000 });

  await cancelActiveStageMoves(page);
  const y = await readNumber(page.getByTestId('value-stage-y'));
  await page.getByTestId('input-stage-moveTo-y').fill(String(Math.round(y < 0 ? y + 300 : y - 300)));
  const move = await runAction(page, 'stage', 'moveTo');
  await expect(page.getByTestId(`invocation-${move}`)).toHaveAttribute('data-status', 'completed', { timeout: 30_000 });

  const actions = entries.and(page.locator('[data-kind="action"]'));
  for (const status of ['pending', 'running', 'completed']) {
    await expect(actions.and(page.locator('[data-thing="thermo"]')).filter({ hasText: `rampTo ${status}` })).toHaveCount(1);
    await expect(actions.and(page.locator('[data-thing="stage"]')).filter({ hasText: `moveTo ${status}` })).toHaveCount(1);
  }
  // Newest first, each transition once: the move came after the ramp.
  const order = (await texts(actions)).map((text) => /(rampTo|moveTo) (\w+)/.exec(text)?.slice(1).join(' ') ?? text);
  expect(order.reverse()).toEqual(['rampTo pending', 'rampTo running', 'rampTo completed', 'moveTo pending', 'moveTo running', 'moveTo completed']);
  await saveScreenshot(page, testInfo, 'timeline-all');

  // Filter by Thing: only stage entries, the move among them, no thermo ramp.
  await page.getByTestId('timeline-filter-thing').selectOption('stage');
  await expect(entries.first()).toBeVisible();
  expect(new Set(await entries.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-thing'))))).toEqual(new Set(['stage']));
  await expect(entries.filter({ hasText: 'moveTo completed' })).toHaveCount(1);
  await expect(entries.filter({ hasText: 'rampTo' })).toHaveCount(0);

  // Filter by kind: actions only.
  for (const kind of KINDS) if (kind !== 'action') await page.getByTestId(`timeline-filter-${kind}`).uncheck();
  await expect(page.getByTestId('timeline-filter-action')).toBeChecked();
  expect(new Set(await entries.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-kind'))))).toEqual(new Set(['action']));
  await expect(entries.filter({ hasText: 'moveTo running' })).toHaveCount(1);
  await saveScreenshot(page, testInfo, 'timeline-stage-actions');

  // Thermo writes only: exactly the one write.
  await page.getByTestId('timeline-filter-thing').selectOption('thermo');
  await page.getByTestId('timeline-filter-action').uncheck();
  await page.getByTestId('timeline-filter-write').check();
  await expect(entries).toHaveCount(1);
  await expect(entries).toHaveAttribute('data-kind', 'write');
  await expect(entries).toContainText(`setpoint ← ${written} °C`);

  // Nothing selected: the list says so.
  await page.getByTestId('timeline-filter-write').uncheck();
  await expect(entries).toHaveCount(0);
  await expect(timeline).toContainText('No events match the filters.');

  // Everything back: property changes flow in too.
  await page.getByTestId('timeline-filter-thing').selectOption('');
  for (const kind of KINDS) await page.getByTestId(`timeline-filter-${kind}`).check();
  await expect(entries.and(page.locator('[data-kind="property"]')).first()).toBeVisible({ timeout: LIVE_TIMEOUT });
  expect(await entries.count()).toBeGreaterThan(5);
});
