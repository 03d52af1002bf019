import { expect, test, type Locator, type Page } from './fixtures';
import { E2E_VIEWER_URL } from '../../playwright.config';
import { LIVE_TIMEOUT, invocationIds, openApp, selectThing, waitForApp } from './helpers';

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

test('a layout with a chart of two properties and a value tile is still there after a reload', async ({ page }) => {
  await openApp(page);
  const { id, view } = await newLayout(page);
  await addPanel(view, 'chart', 'thermo', ['temperature', 'setpoint']);
  await addPanel(view, 'value', 'psu', ['voltage']);
  await expect(view).toHaveAttribute('data-dirty', 'true');
  await view.getByTestId('layout-save').click();
  await expect(view).toHaveAttribute('data-dirty', 'false');

  await openApp(page);
  await page.getByTestId(`open-layout-${id}`).click();
  const reopened = page.getByTestId(`layout-${id}`);
  await expect(reopened.getByTestId('chart-series-thermo-temperature')).toBeVisible();
  await expect(reopened.getByTestId('chart-series-thermo-setpoint')).toBeVisible();
  // The tile shows a live number, its unit beside it.
  await expect(reopened.getByTestId('panel-value-psu-voltage')).toHaveText(/^-?\d/, { timeout: LIVE_TIMEOUT });
  await expect(reopened.getByTestId('panel-tile-psu-voltage')).toContainText('V');
  await deleteLayout(page, reopened);
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
  await expect(page.getByTestId(`layout-${id}`).getByTestId('chart-series-thermo-temperature')).toBeVisible();
  await expect(view).toHaveAttribute('data-dirty', 'true');
  await view.getByTestId('layout-revert').click();
  await expect(view.getByTestId('chart-series-thermo-temperature')).toHaveCount(0);
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

for (const [width, height] of [
  [1024, 700],
  [800, 600],
] as const) {
  test(`at ${width}×${height} every control of the thermo view is reachable and none overlaps another`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height });
    await openApp(page);
    await selectThing(page, 'thermo');
    await expect(page.getByTestId('value-thermo-temperature')).toHaveText(/^-?\d/, { timeout: LIVE_TIMEOUT });
    await page.waitForTimeout(500);
    await testInfo.attach(`thermo-${width}x${height}.png`, { body: await page.screenshot(), contentType: 'image/png' });

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
    const split = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('[data-testid^="value-thermo-"], [data-testid^="panel-value-thermo-"]')]
        .filter((element) => element.getClientRects().length > 1 || element.getBoundingClientRect().height > parseFloat(getComputedStyle(element).lineHeight || '20') * 1.6)
        .map((element) => `${element.dataset['testid']}: ${element.textContent}`),
    );
    expect(split).toEqual([]);
  });
}

test('a viewer sees the layout but no Edit, Save, New layout or Import', async ({ page, transport }) => {
  test.skip(transport !== 'browser', 'viewer URLs belong to browser mode');
  await page.goto(E2E_VIEWER_URL);
  await waitForApp(page);
  await selectThing(page, 'thermo');
  await expect(page.getByTestId('thing-view-thermo').locator('section.layout-view')).toBeVisible();
  await expect(page.getByTestId('layout-export')).toBeVisible();
  for (const control of ['layout-edit', 'layout-save', 'layout-duplicate', 'layout-new', 'layout-import']) await expect(page.getByTestId(control)).toHaveCount(0);
});
