import { expect, test, type Locator } from './fixtures';
import { LIVE_TIMEOUT, cancelActiveStageMoves, openApp, readNumber, runAction, saveScreenshot, selectThing } from './helpers';

const KINDS = ['property', 'action', 'write', 'connection', 'alarm'] as const;

interface Shown {
  kind: string;
  thing: string;
  time: number;
  text: string;
}

/** The entries shown, newest first; the timeline is the whole recording, so tests look at what they did. */
async function shown(entries: Locator, since = 0): Promise<Shown[]> {
  const all = await entries.evaluateAll((elements) =>
    elements.map((element) => ({
      kind: element.getAttribute('data-kind') ?? '',
      thing: element.getAttribute('data-thing') ?? '',
      time: Number(element.getAttribute('data-time')),
      text: element.textContent ?? '',
    })),
  );
  return all.filter((entry) => entry.time >= since);
}

test('the timeline shows writes and action transitions, filtered by Thing and kind', async ({ page }, testInfo) => {
  // A write, a ramp and a stage move, each waited for: more than the default minute on a busy machine.
  test.setTimeout(150_000);
  // The same machine's clock as the server's; a second of slack.
  const since = Date.now() - 1000;
  await openApp(page);
  const timeline = page.getByTestId('timeline');
  await expect(timeline).toHaveAttribute('data-source', 'recorder', { timeout: LIVE_TIMEOUT });
  const entries = timeline.getByTestId('timeline-entry');
  const recent = (kind?: string, thing?: string) =>
    shown(entries, since).then((list) => list.filter((entry) => (kind === undefined || entry.kind === kind) && (thing === undefined || entry.thing === thing)));

  // A setpoint write (kept near the current value so other tests' temperatures are not disturbed much).
  await selectThing(page, 'thermo');
  const setpoint = await readNumber(page.getByTestId('value-thermo-setpoint'));
  const written = Math.round(setpoint < 190 ? setpoint + 2 : setpoint - 2);
  await page.getByTestId('edit-thermo-setpoint').fill(String(written));
  await page.getByTestId('edit-submit-thermo-setpoint').click();
  await expect.poll(async () => (await recent('write', 'thermo')).map((entry) => entry.text), { timeout: LIVE_TIMEOUT }).toEqual([
    expect.stringContaining(`setpoint ← ${written} °C by `),
  ]);

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

  // Newest first, each transition once: the move came after the ramp.
  const order = async () =>
    (await recent('action'))
      .map((entry) => /(rampTo|moveTo) (pending|running|completed|cancelled|error)/.exec(entry.text)?.slice(1).join(' ') ?? entry.text)
      .filter((text) => /^(rampTo|moveTo) /.test(text))
      .reverse();
  await expect
    .poll(order, { timeout: LIVE_TIMEOUT })
    .toEqual(expect.arrayContaining(['rampTo pending', 'rampTo running', 'rampTo completed', 'moveTo pending', 'moveTo running', 'moveTo completed']));
  // Moves cancelled to free the stage may come between; the last move is this test's.
  const sequence = await order();
  const rampDone = sequence.lastIndexOf('rampTo completed');
  expect(sequence.filter((text) => text.startsWith('rampTo'))).toEqual(['rampTo pending', 'rampTo running', 'rampTo completed']);
  expect(sequence.slice(rampDone + 1).slice(-3)).toEqual(['moveTo pending', 'moveTo running', 'moveTo completed']);
  await saveScreenshot(page, testInfo, 'timeline-all');

  // Filter by Thing: only stage entries, the move among them, no thermo ramp.
  await page.getByTestId('timeline-filter-thing').selectOption('stage');
  await expect(entries.first()).toBeVisible();
  await expect.poll(async () => new Set((await shown(entries)).map((entry) => entry.thing))).toEqual(new Set(['stage']));
  await expect(entries.filter({ hasText: 'moveTo completed' }).first()).toBeVisible();
  await expect(entries.filter({ hasText: 'rampTo' })).toHaveCount(0);

  // Filter by kind: actions only.
  for (const kind of KINDS) if (kind !== 'action') await page.getByTestId(`timeline-filter-${kind}`).uncheck();
  await expect(page.getByTestId('timeline-filter-action')).toBeChecked();
  await expect.poll(async () => new Set((await shown(entries)).map((entry) => entry.kind))).toEqual(new Set(['action']));
  expect((await recent('action', 'stage')).filter((entry) => entry.text.includes('moveTo running'))).toHaveLength(1);
  await saveScreenshot(page, testInfo, 'timeline-stage-actions');

  // Thermo writes only: exactly the one write.
  await page.getByTestId('timeline-filter-thing').selectOption('thermo');
  await page.getByTestId('timeline-filter-action').uncheck();
  await page.getByTestId('timeline-filter-write').check();
  await expect.poll(async () => (await recent()).map((entry) => `${entry.kind} ${entry.thing}`)).toEqual(['write thermo']);
  expect((await recent())[0]?.text).toContain(`setpoint ← ${written} °C`);

  // Nothing selected: the list says so.
  await page.getByTestId('timeline-filter-write').uncheck();
  await expect(entries).toHaveCount(0);
  await expect(timeline).toContainText('No events match the filters.');

  // Everything back: property changes flow in too.
  await page.getByTestId('timeline-filter-thing').selectOption('');
  for (const kind of KINDS) await page.getByTestId(`timeline-filter-${kind}`).check();
  await expect(entries.and(page.locator('[data-kind="property"]')).first()).toBeVisible({ timeout: LIVE_TIMEOUT });
  await expect.poll(() => entries.count(), { timeout: LIVE_TIMEOUT }).toBeGreaterThan(5);
});
