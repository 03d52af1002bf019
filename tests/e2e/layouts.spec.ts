import { readFileSync } from 'node:fs';
import { expect, test, type Locator, type Page } from './fixtures';
import { E2E_VIEWER_URL } from '../../playwright.config';
import { LIVE_TIMEOUT, THINGS, invocationIds, openApp, selectThing, waitForApp } from './helpers';
import { answerNextSaveDialog, savedDialogOptions } from './support/desktop';

// Named layouts are made here and deleted at the end of each test: the server is shared, and
// the thermo template other specs look at is left as the host generated it.

/** Makes a new named layout, opens it in Edit mode and returns its id. */
async function newLayout(page: Page): Promise<{ id: string; view: Locator }> {
  await page.getByTestId('layout-new').click();
  const view = page.getByTestId('named-layout').locator('section.layout-view');
  await expect(view).toBeVisible();
  const id = ((await view.getAttribute('data-testid')) ?? '').replace(/^layout-/, '');
  expect(id).not.toBe('');
  await view.getByTestId('layout-edit').click();
  return { id, view };
}

async function addPanel(view: Locator, kind: string, thing?: string, affordances: string[] = []): Promise<void> {
  await view.getByTestId('add-panel-kind').selectOption(kind);
  if (thing !== undefined) await view.getByTestId('add-panel-thing').selectOption(thing);
  if (affordances.length > 0) {
    const select = view.getByTestId('add-panel-affordance');
    // The options come with the Thing's description.
    await expect(select.locator(`option[value="${affordances[0]}"]`)).toHaveCount(1);
    await select.selectOption(affordances);
  }
  await view.getByTestId('add-panel-submit').click();
}

async function deleteLayout(page: Page, view: Locator): Promise<void> {
  await view.getByTestId('layout-delete').click();
  await view.getByTestId('layout-delete-confirm').click();
  await expect(page.getByTestId('named-layout')).toHaveCount(0);
}

/** The id of the only panel of a kind in a layout view. */
async function panelId(view: Locator, kind: string): Promise<string> {
  const testId = (await view.locator(`[data-kind="${kind}"]`).getAttribute('data-testid')) ?? '';
  expect(testId).toMatch(/^panel-/);
  return testId.replace(/^panel-/, '');
}

test('a layout with a chart of two properties and a value tile is still there after a reload', async ({ page }) => {
  await openApp(page);
  const { id, view } = await newLayout(page);
  await addPanel(view, 'chart', 'thermo', ['temperature', 'setpoint']);
  await addPanel(view, 'value', 'psu', ['voltage']);
  await expect(view).toHaveAttribute('data-dirty', 'true');
  // The panel is the overview's uPlot strip chart: both series on one °C axis, drawn.
  const chartId = `layout-chart-${await panelId(view, 'chart')}`;
  const chart = view.getByTestId(chartId);
  await expect(view.getByTestId(`${chartId}-series`)).toHaveCount(2);
  await expect(view.locator(`[data-testid="${chartId}-series"][data-series="thermo.temperature"]`)).toContainText('°C');
  await expect(view.locator(`[data-testid="${chartId}-series"][data-series="thermo.setpoint"]`)).toContainText('°C');
  await expect(chart.locator('.uplot canvas')).toHaveCount(1);
  await expect(chart).toHaveAttribute('data-axes', '°C');
  await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: LIVE_TIMEOUT }).toBeGreaterThan(2);
  // Its window belongs to the layout: 1 min, kept by Save.
  await view.getByTestId(`${chartId}-window-1min`).click();
  await expect(view.getByTestId(`${chartId}-status`)).toContainText('last 1 min');
  await view.getByTestId('layout-save').click();
  await expect(view).toHaveAttribute('data-dirty', 'false');
  // The tile is the overview's: a live number with its unit.
  await expect(view.getByTestId('tile-psu-voltage')).toHaveText(/^-?\d[\d.]*\u00a0V$/, { timeout: LIVE_TIMEOUT });
  await page.waitForTimeout(2500);

  const reloadedAt = Date.now();
  await openApp(page);
  await page.getByTestId(`open-layout-${id}`).click();
  const reopened = page.getByTestId(`layout-${id}`);
  const again = reopened.getByTestId(chartId);
  await expect(reopened.getByTestId(`${chartId}-series`)).toHaveCount(2);
  await expect(reopened.getByTestId(`${chartId}-window-1min`)).toHaveAttribute('aria-pressed', 'true');
  await expect(reopened.getByTestId(`${chartId}-history`)).toHaveAttribute('data-state', 'ok', { timeout: LIVE_TIMEOUT });
  // History from the recorder: points from before the reload.
  await expect
    .poll(async () => Number((await again.getAttribute('data-earliest')) || Number.NaN), { timeout: LIVE_TIMEOUT, message: 'history from before the reload' })
    .toBeLessThan(reloadedAt - 1000);
  await expect(reopened.getByTestId(`${chartId}-readout`)).toContainText(/thermo\.temperature\s\d+\.\d+\s°C/);
  await expect(reopened.getByTestId('tile-psu-voltage')).toHaveText(/^-?\d[\d.]*\u00a0V$/, { timeout: LIVE_TIMEOUT });
  await expect(reopened.getByTestId('tile-value-psu-voltage')).toContainText('psu');
  await deleteLayout(page, reopened);
});

test('the generated layout of every simulated Thing shows every control of its panels without scrolling', async ({ page }, testInfo) => {
  await openApp(page);
  for (const thing of THINGS) {
    await selectThing(page, thing);
    const view = page.getByTestId(`thing-view-${thing}`).locator('section.layout-view');
    await expect(view.locator('[data-kind="properties"]')).toBeVisible({ timeout: LIVE_TIMEOUT });
    await expect(view.locator('[data-kind="properties"] table')).toBeVisible();
    await page.waitForTimeout(300);
    await testInfo.attach(`layout-${thing}.png`, { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
    // Each control of a panel (its invocation history aside, which grows) lies wholly inside
    // the panel's body as it stands, unscrolled.
    const clipped = await view.evaluate((root) =>
      [...root.querySelectorAll<HTMLElement>('.panel-body')].flatMap((body) => {
        body.scrollTop = 0;
        const box = body.getBoundingClientRect();
        return [...body.querySelectorAll<HTMLElement>('button, input, select, textarea')]
          .filter((control) => control.offsetParent !== null && !control.closest('.invocations'))
          .filter((control) => {
            const rect = control.getBoundingClientRect();
            return rect.top < box.top - 0.5 || rect.bottom > box.bottom + 0.5 || rect.left < box.left - 0.5 || rect.right > box.right + 0.5;
          })
          .map((control) => `${body.closest('[data-testid^="panel-"]')?.getAttribute('data-testid') ?? '?'}: ${control.dataset['testid'] ?? control.textContent?.trim()}`);
      }),
    );
    expect(clipped, thing).toEqual([]);
  }
});

test('Revert discards a change to a layout', async ({ page }) => {
  await openApp(page);
  const { view } = await newLayout(page);
  await addPanel(view, 'timeline');
  await view.getByTestId('layout-save').click();
  await expect(view).toHaveAttribute('data-dirty', 'false');
  await expect(view.locator('[data-kind="timeline"]')).toHaveCount(1);

  await addPanel(view, 'value', 'thermo', ['temperature']);
  await expect(view.locator('[data-kind="value"]')).toHaveCount(1);
  await expect(view).toHaveAttribute('data-dirty', 'true');
  await view.getByTestId('layout-revert').click();
  await expect(view).toHaveAttribute('data-dirty', 'false');
  await expect(view.locator('[data-kind="value"]')).toHaveCount(0);
  await expect(view.locator('[data-kind="timeline"]')).toHaveCount(1);
  await deleteLayout(page, view);
});

test('the command palette runs rampTo on thermo', async ({ page }) => {
  await openApp(page);
  await selectThing(page, 'stage');
  await page.keyboard.press('Control+k');
  await expect(page.getByTestId('palette')).toBeVisible();
  await page.getByTestId('palette-input').fill('rampTo thermo');
  await expect(page.getByTestId('palette-item-action-thermo-rampTo')).toBeVisible();
  await page.getByTestId('palette-input').press('Enter');
  await expect(page.getByTestId('palette')).toHaveCount(0);
  // The palette opens thermo and puts the cursor in the action's form.
  const target = page.getByTestId('input-thermo-rampTo-target');
  await expect(target).toBeFocused();
  const before = new Set(await invocationIds(page, 'thermo', 'rampTo'));
  await target.fill('26');
  await page.getByTestId('input-thermo-rampTo-ratePerMin').fill('600');
  await target.press('Enter');
  await expect.poll(async () => (await invocationIds(page, 'thermo', 'rampTo')).filter((id) => !before.has(id)).length, { timeout: LIVE_TIMEOUT }).toBe(1);
});

test('the palette adds a property to the chart of the open layout', async ({ page }) => {
  await openApp(page);
  const { id, view } = await newLayout(page);
  await view.getByTestId('layout-edit').click();
  await page.getByTestId('open-palette').click();
  await page.getByTestId('palette-input').fill('chart thermo temperature');
  await page.getByTestId('palette-item-chart-thermo-temperature').click();
  await expect(page.getByTestId(`layout-${id}`).locator('[data-series="thermo.temperature"]')).toBeVisible();
  await expect(view).toHaveAttribute('data-dirty', 'true');
  await view.getByTestId('layout-revert').click();
  await expect(view.locator('[data-series="thermo.temperature"]')).toHaveCount(0);
  await deleteLayout(page, view);
});

test('the help overlay lists the shortcuts and side panels collapse and stay so', async ({ page }) => {
  await openApp(page);
  await page.locator('body').press('?');
  await expect(page.getByTestId('help-overlay')).toContainText('Command palette');
  await page.getByTestId('help-overlay').press('Escape');
  await expect(page.getByTestId('help-overlay')).toHaveCount(0);
  // ↓ in the Thing list opens the next Thing.
  await page.getByTestId('thing-thermo').click();
  await page.getByTestId('thing-thermo').press('ArrowDown');
  await expect(page.getByTestId('thing-stage')).toHaveAttribute('aria-current', 'true');
  await expect(page.getByTestId('thing-stage')).toBeFocused();
  await page.getByTestId('collapse-things').click();
  await expect(page.getByTestId('things-panel')).toHaveCount(0);
  await openApp(page).catch(() => undefined);
  await expect(page.getByTestId('expand-things')).toBeVisible();
  await page.getByTestId('expand-things').click();
  await expect(page.getByTestId('thing-list')).toBeVisible();
});

interface Box {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Every visible control of the page with its box, after scrolling it into view. */
async function controlBoxes(page: Page): Promise<{ boxes: Box[]; problems: string[] }> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const controls = [...document.querySelectorAll<HTMLElement>('button, input, select, textarea')].filter((element) => {
      const style = getComputedStyle(element);
      return element.offsetParent !== null && style.visibility !== 'hidden' && !element.hidden && element.getAttribute('type') !== 'file';
    });
    const name = (element: HTMLElement) => element.dataset['testid'] ?? `${element.tagName.toLowerCase()}:${element.textContent?.trim().slice(0, 20) ?? ''}`;
    const boxes = controls.map((element) => {
      element.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      const rect = element.getBoundingClientRect();
      if (rect.left < -0.5 || rect.top < -0.5 || rect.right > innerWidth + 0.5 || rect.bottom > innerHeight + 0.5) problems.push(`${name(element)} is outside the window after scrolling to it`);
      const hit = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
      if (hit !== null && hit !== element && !element.contains(hit) && !(hit instanceof HTMLLabelElement && hit.control === element)) {
        problems.push(`${name(element)} is covered by ${hit.tagName.toLowerCase()}.${[...hit.classList].join('.')}`);
      }
      return { name: name(element), x: rect.left + scrollX, y: rect.top + scrollY, width: rect.width, height: rect.height };
    });
    return { boxes, problems };
  });
}

/** Every control reachable, none over another, no value split: the checks of one screen. */
async function checkScreen(page: Page, values: string): Promise<void> {
  const { problems } = await controlBoxes(page);
  expect(problems).toEqual([]);
  // Boxes of one moment, everything scrolled back to the start: no two controls overlap.
  await page.evaluate(() => {
    for (const element of document.querySelectorAll('*')) {
      element.scrollTop = 0;
      element.scrollLeft = 0;
    }
  });
  const boxes: Box[] = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, input, select, textarea')]
      .filter((element) => element.offsetParent !== null && element.getAttribute('type') !== 'file')
      .map((element) => {
        // What shows of it: its box cut by every ancestor that clips (a panel's scrolling body).
        const rect = element.getBoundingClientRect();
        let [left, top, right, bottom] = [rect.left, rect.top, rect.right, rect.bottom];
        for (let parent = element.parentElement; parent; parent = parent.parentElement) {
          const style = getComputedStyle(parent);
          if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
          const clip = parent.getBoundingClientRect();
          [left, top, right, bottom] = [Math.max(left, clip.left), Math.max(top, clip.top), Math.min(right, clip.right), Math.min(bottom, clip.bottom)];
        }
        return { name: element.dataset['testid'] ?? element.tagName, x: left, y: top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
      }),
  );
  const overlaps: string[] = [];
  for (const [i, a] of boxes.entries()) {
    for (const b of boxes.slice(i + 1)) {
      const ix = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const iy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (ix > 1 && iy > 1) overlaps.push(`${a.name} overlaps ${b.name}`);
    }
  }
  expect(overlaps).toEqual([]);
  // A value is one line: never split inside the number or from its unit.
  const split = await page.evaluate(
    (selector) =>
      [...document.querySelectorAll<HTMLElement>(selector)]
        .filter((element) => element.getClientRects().length > 1 || element.getBoundingClientRect().height > parseFloat(getComputedStyle(element).lineHeight || '20') * 1.6)
        .map((element) => `${element.dataset['testid']}: ${element.textContent}`),
    values,
  );
  expect(split).toEqual([]);
}

/** The rows the header takes: its controls grouped by where they stand, and whether any two overlap. */
async function headerRows(page: Page): Promise<{ rows: number; overlaps: string[]; outside: string[] }> {
  return page.evaluate(() => {
    const header = document.querySelector<HTMLElement>('.app-header');
    if (!header) return { rows: 0, overlaps: ['no header'], outside: [] };
    const items = [...header.querySelectorAll<HTMLElement>('.header-status > *, .header-actions > *')].filter((element) => element.getClientRects().length > 0);
    const boxes = items.map((element) => ({ name: element.dataset['testid'] ?? element.className, rect: element.getBoundingClientRect() }));
    const middles: number[] = [];
    for (const { rect } of boxes) {
      const middle = rect.top + rect.height / 2;
      if (!middles.some((seen) => Math.abs(seen - middle) < 12)) middles.push(middle);
    }
    const overlaps: string[] = [];
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const ix = Math.min(a.rect.right, b.rect.right) - Math.max(a.rect.left, b.rect.left);
        const iy = Math.min(a.rect.bottom, b.rect.bottom) - Math.max(a.rect.top, b.rect.top);
        if (ix > 1 && iy > 1) overlaps.push(`${a.name} overlaps ${b.name}`);
      }
    }
    const outside = boxes.filter(({ rect }) => rect.left < 0 || rect.right > innerWidth + 0.5).map(({ name }) => name);
    return { rows: middles.length, overlaps, outside };
  });
}

for (const [width, height, maxRows] of [
  [1280, 800, 1],
  [1024, 700, 2],
  [800, 600, 2],
] as const) {
  test(`at ${width}×${height} the header takes at most ${maxRows} ${maxRows === 1 ? 'row' : 'rows'}, its menu holds the rest`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    await openApp(page);
    const { rows, overlaps, outside } = await headerRows(page);
    expect(rows).toBeLessThanOrEqual(maxRows);
    expect(overlaps).toEqual([]);
    expect(outside).toEqual([]);
    // Theme, alarm sound and the shortcuts are one click away, inside the window.
    await page.getByTestId('header-menu').click();
    for (const control of ['theme', 'alarm-sound', 'open-help']) {
      const box = await page.getByTestId(control).boundingBox();
      expect(box, control).not.toBeNull();
      if (box) expect(box.x + box.width, control).toBeLessThanOrEqual(width);
    }
    await page.getByTestId('open-help').click();
    await expect(page.getByTestId('help-overlay')).toBeVisible();
    await page.keyboard.press('Escape');
  });
}

for (const [width, height] of [
  [1024, 700],
  [800, 600],
] as const) {
  test(`at ${width}×${height} every control of the thermo view is reachable and none overlaps another`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height });
    await openApp(page);
    await selectThing(page, 'thermo');
    await expect(page.getByTestId('value-thermo-temperature')).toHaveText(/^-?\d/, { timeout: LIVE_TIMEOUT });
    await expect(page.getByTestId('tile-thermo-temperature')).toHaveText(/^-?\d/, { timeout: LIVE_TIMEOUT });
    await page.waitForTimeout(500);
    await testInfo.attach(`thermo-${width}x${height}.png`, { body: await page.screenshot(), contentType: 'image/png' });
    expect((await headerRows(page)).rows).toBeLessThanOrEqual(2);
    await checkScreen(page, '[data-testid^="value-thermo-"], [data-testid^="tile-thermo-"]');
  });

  test(`at ${width}×${height} a named layout of a chart, values, an action and alarms shows every control without overlaps`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height });
    await openApp(page);
    const { view } = await newLayout(page);
    await addPanel(view, 'value', 'psu', ['voltage']);
    await addPanel(view, 'value', 'vacuum', ['pressure']);
    await addPanel(view, 'chart', 'thermo', ['temperature', 'heaterPower']);
    await addPanel(view, 'action', 'stage', ['moveTo']);
    await addPanel(view, 'alarms');
    await view.getByTestId('layout-save').click();
    await view.getByTestId('layout-edit').click();
    await expect(view.getByTestId('tile-vacuum-pressure')).toHaveText(/^\d/, { timeout: LIVE_TIMEOUT });
    await page.waitForTimeout(500);
    await testInfo.attach(`layout-${width}x${height}.png`, { body: await page.screenshot(), contentType: 'image/png' });
    await checkScreen(page, '[data-testid^="tile-psu-"], [data-testid^="tile-vacuum-"]');
    await view.getByTestId('layout-edit').click();
    await deleteLayout(page, view);
  });
}

test('the palette acknowledges the alarms waiting for it', async ({ page }) => {
  // The desktop window keeps the size an earlier test gave it.
  await page.setViewportSize({ width: 1280, height: 800 });
  await openApp(page);
  await selectThing(page, 'psu');
  // A threshold rule the output (about 5 V) is far above: a major alarm at once.
  await page.getByTestId('alarm-rules-psu-voltage').click();
  await page.getByTestId('rule-kind').selectOption('threshold');
  await page.getByTestId('rule-hihi').fill('2');
  await page.getByTestId('rule-hi').fill('1.5');
  await page.getByTestId('rule-lo').fill('0.5');
  await page.getByTestId('rule-lolo').fill('0.2');
  await page.getByTestId('rule-save').click();
  await expect(page.getByTestId('rule-saved')).toBeVisible();
  try {
    await expect(page.getByTestId('rule-item-threshold-voltage')).toContainText('HIHI 2');
    await expect(page.getByTestId('prop-alarm-psu-voltage')).toHaveAttribute('data-severity', 'major', { timeout: LIVE_TIMEOUT });
    await expect(page.getByTestId('annunciator')).not.toHaveAttribute('data-unacknowledged', '0');
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette-input').fill('acknowledge');
    await expect(page.getByTestId('palette-item-command-acknowledge-alarms')).toBeVisible();
    await page.getByTestId('palette-input').press('Enter');
    await expect(page.getByTestId('palette')).toHaveCount(0);
    await expect(page.getByTestId('annunciator')).toHaveAttribute('data-unacknowledged', '0', { timeout: LIVE_TIMEOUT });
    // Acknowledged, not gone: the value is still out of its limits.
    await page.getByTestId('annunciator').click();
    await expect(page.getByTestId('alarm-list').locator('[data-testid^="alarm-row-psu"]').first()).toHaveAttribute('data-state', 'acknowledged');
    await page.getByTestId('alarm-panel-close').click();
  } finally {
    const editor = page.getByTestId('rule-editor');
    if (!(await editor.isVisible())) await page.getByTestId('alarm-rules-psu-voltage').click();
    const remove = editor.locator('[data-testid^="rule-remove-"]');
    while ((await remove.count()) > 0) {
      const before = await remove.count();
      await remove.first().click();
      await expect(remove).toHaveCount(before - 1);
    }
  }
});

test('a layout exported to a file imports as a layout that works; a malformed file is refused and loses nothing', async ({ page, desktopApp }, testInfo) => {
  await openApp(page);
  const { id, view } = await newLayout(page);
  await addPanel(view, 'value', 'thermo', ['temperature']);
  await addPanel(view, 'chart', 'thermo', ['temperature', 'setpoint']);
  await view.getByTestId('layout-save').click();
  await expect(view).toHaveAttribute('data-dirty', 'false');

  let path: string;
  if (!desktopApp) {
    // Browser mode: a download.
    const [download] = await Promise.all([page.waitForEvent('download'), view.getByTestId('layout-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^Layout-\d+\.layout\.json$/);
    path = testInfo.outputPath(download.suggestedFilename());
    await download.saveAs(path);
  } else {
    // Desktop: main's save dialog, answered with a file of this test; main writes it.
    path = testInfo.outputPath('exported.layout.json');
    await answerNextSaveDialog(desktopApp.app, path);
    await view.getByTestId('layout-export').click();
    await expect(view.getByTestId('layout-note')).toContainText(`Exported to ${path}`);
    const options = ((await savedDialogOptions(desktopApp.app)) as { defaultPath?: string }[]).at(-1);
    expect(options?.defaultPath).toMatch(/Layout-\d+\.layout\.json$/);
  }
  const exported = JSON.parse(readFileSync(path, 'utf8')) as { format: string; layout: { panels: { kind: string }[] } };
  expect(exported.format).toBe('lab-monitor-layout');
  expect(exported.layout.panels.map((panel) => panel.kind)).toEqual(['value', 'chart']);

  const entries = page.getByTestId('layout-list').locator('li');
  const count = await entries.count();
  await page.getByTestId('layout-import-file').setInputFiles(path);
  await expect(entries).toHaveCount(count + 1);
  const imported = page.getByTestId('named-layout').locator('section.layout-view');
  await expect(imported).not.toHaveAttribute('data-testid', `layout-${id}`);
  const importedId = ((await imported.getAttribute('data-testid')) ?? '').replace(/^layout-/, '');
  // It works: a live value, the chart of both series.
  await expect(imported.getByTestId('tile-thermo-temperature')).toHaveText(/^-?\d/, { timeout: LIVE_TIMEOUT });
  await expect(imported.locator('[data-testid$="-series"][data-series]')).toHaveCount(2);

  // Not JSON, then JSON of another shape: a clear error each time, and every layout still there.
  await page.getByTestId('layout-import-file').setInputFiles({ name: 'broken.layout.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "lab-monitor-layout", "layout": {') });
  await expect(page.getByTestId('layout-import-error')).toHaveText('broken.layout.json is not JSON');
  await page.getByTestId('layout-import-file').setInputFiles({ name: 'other.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ format: 'something-else', panels: [] })) });
  await expect(page.getByTestId('layout-import-error')).toContainText('other.json is not a Lab Monitor layout');
  await expect(entries).toHaveCount(count + 1);
  await expect(page.getByTestId(`layout-${importedId}`)).toBeVisible();

  await deleteLayout(page, page.getByTestId(`layout-${importedId}`));
  await page.getByTestId(`open-layout-${id}`).click();
  await deleteLayout(page, page.getByTestId(`layout-${id}`));
});

test('a panel whose Thing is not here says so; the others go on', async ({ page }) => {
  await openApp(page);
  const file = {
    format: 'lab-monitor-layout',
    version: 2,
    forType: null,
    layout: {
      name: 'Gone instrument',
      panels: [
        { id: 'gone', kind: 'value', thing: { name: 'cryostat', id: 'urn:example:cryostat-7' }, property: 'temperature', x: 0, y: 0, w: 3, h: 2 },
        { id: 'here', kind: 'value', thing: { name: 'thermo' }, property: 'temperature', x: 3, y: 0, w: 3, h: 2 },
        { id: 'mixed', kind: 'chart', series: [{ thing: { name: 'cryostat' }, property: 'temperature' }, { thing: { name: 'thermo' }, property: 'temperature' }], window: '1m', x: 0, y: 2, w: 12, h: 8 },
      ],
    },
  };
  await page.getByTestId('layout-import-file').setInputFiles({ name: 'gone.layout.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
  const view = page.getByTestId('named-layout').locator('section.layout-view');
  await expect(view).toBeVisible();
  await expect(view.getByTestId('panel-gone').getByTestId('panel-missing')).toHaveText(/cryostat is not here any more/);
  await expect(view.getByTestId('panel-mixed').getByTestId('panel-missing')).toHaveText(/cryostat is not here any more/);
  await expect(view.getByTestId('panel-here').getByTestId('tile-thermo-temperature')).toHaveText(/^-?\d/, { timeout: LIVE_TIMEOUT });
  await expect(view.getByTestId('layout-chart-mixed-series')).toHaveCount(1);
  await expect.poll(async () => Number(await view.getByTestId('layout-chart-mixed').getAttribute('data-points')), { timeout: LIVE_TIMEOUT }).toBeGreaterThan(0);
  await deleteLayout(page, view);
});

test('a viewer sees the layout but no Edit, Save, New layout or Import', async ({ page, transport }) => {
  test.skip(transport !== 'browser', 'viewer URLs belong to browser mode');
  await page.goto(E2E_VIEWER_URL);
  await waitForApp(page);
  await selectThing(page, 'thermo');
  await expect(page.getByTestId('thing-view-thermo').locator('section.layout-view')).toBeVisible();
  await expect(page.getByTestId('layout-export')).toBeVisible();
  for (const control of ['layout-edit', 'layout-save', 'layout-duplicate', 'layout-new', 'layout-import']) await expect(page.getByTestId(control)).toHaveCount(0);
});
