import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Locator, type Page, type TestInfo } from '@playwright/test';
import { E2E_URL } from '../../playwright.config';
import { isDesktop } from './fixtures';

export const THINGS = ['thermo', 'stage', 'spectrometer', 'psu', 'vacuum'] as const;

/** Live values at 2–10 Hz on a busy 2-core box: allow for slow first paints, not for wrong values. */
export const LIVE_TIMEOUT = 20_000;

/**
 * Opens the app and waits until the link (WebSocket or IPC) and the Thing list are up. On the
 * desktop transports the window is the app's own: it is reloaded, a fresh page as in a browser.
 */
export async function openApp(page: Page, timeout = LIVE_TIMEOUT): Promise<void> {
  if (isDesktop(test.info())) {
    await expect.poll(() => page.url(), { timeout, message: 'the window loads the app' }).toMatch(/^file:/);
    await page.reload();
  } else {
    await page.goto(E2E_URL);
  }
  await waitForApp(page, timeout);
}

export async function waitForApp(page: Page, timeout = LIVE_TIMEOUT): Promise<void> {
  await expect(page.getByTestId('link-status')).toHaveAttribute('data-status', 'connected', { timeout });
  await expect(page.getByTestId('thing-list')).toBeVisible({ timeout });
}

export async function selectThing(page: Page, thing: string): Promise<void> {
  await page.getByTestId(`thing-${thing}`).click();
  await expect(page.getByTestId(`thing-view-${thing}`)).toBeVisible({ timeout: LIVE_TIMEOUT });
}

/** The number at the start of a displayed value such as "23.41 °C" or "-1234.5 µm"; NaN if none yet. */
export function parseShown(text: string | null): number {
  const match = /^\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)/i.exec(text ?? '');
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/** Waits for a live numeric value to be shown and returns it. */
export async function readNumber(locator: Locator): Promise<number> {
  let value = Number.NaN;
  await expect
    .poll(
      async () => {
        value = parseShown(await locator.textContent());
        return Number.isFinite(value);
      },
      { timeout: LIVE_TIMEOUT },
    )
    .toBe(true);
  return value;
}

/** Saved under test-results/e2e/screenshots/ (stable names) and attached to the report. */
export async function saveScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<string> {
  const dir = join(testInfo.project.outputDir, 'screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
  return path;
}

/** Ids of the invocation rows listed under an action card, newest first. */
export async function invocationIds(page: Page, thing: string, action: string): Promise<string[]> {
  const rows = page.getByTestId(`action-${thing}-${action}`).locator('li[data-testid^="invocation-"]');
  const testIds = await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-testid') ?? ''));
  return testIds.map((testId) => testId.slice('invocation-'.length));
}

/** Clicks Run and returns the id of the invocation row that appears for it. */
export async function runAction(page: Page, thing: string, action: string, timeout = LIVE_TIMEOUT): Promise<string> {
  const before = new Set(await invocationIds(page, thing, action));
  await page.getByTestId(`run-${thing}-${action}`).click();
  let id = '';
  await expect
    .poll(
      async () => {
        id = (await invocationIds(page, thing, action)).find((each) => !before.has(each)) ?? '';
        return id;
      },
      { timeout, message: `a new ${thing}/${action} invocation row` },
    )
    .not.toBe('');
  await expect(page.getByTestId(`run-error-${thing}-${action}`)).toHaveCount(0);
  return id;
}

/**
 * The server is shared by all tests: a move left running by an earlier (failed) test would
 * make the next one refuse with CONFLICT. Cancel whatever the stage still runs.
 */
export async function cancelActiveStageMoves(page: Page): Promise<void> {
  await selectThing(page, 'stage');
  for (const action of ['moveTo', 'home']) {
    const cancels = page.getByTestId(`action-stage-${action}`).locator('button[data-testid^="cancel-"]');
    for (let attempt = 0; attempt < 5 && (await cancels.count()) > 0; attempt += 1) {
      await cancels.first().click();
      await expect(cancels).toHaveCount(0, { timeout: 5_000 }).catch(() => undefined);
    }
    await expect(cancels).toHaveCount(0);
  }
  await expect(page.getByTestId('value-stage-moving')).toHaveText('false', { timeout: LIVE_TIMEOUT });
}

export interface StatusSample {
  id: string;
  status: string;
  progress: number | null;
  logLines: number;
}

/**
 * Records every status, progress and log change of the invocation rows under an action card,
 * from a MutationObserver in the page, so short-lived states (pending) are not missed by polling.
 */
let recorders = 0;

export async function recordInvocationRows(page: Page, thing: string, action: string): Promise<StatusSample[]> {
  const samples: StatusSample[] = [];
  // A new name each time: a desktop window outlives a test, and a name can be exposed only once.
  recorders += 1;
  const name = `e2eRecordInvocation${recorders}`;
  await page.exposeFunction(name, (sample: StatusSample) => {
    samples.push(sample);
  });
  await page.evaluate(({ cardTestId, name }) => {
    const exposed: unknown = Reflect.get(window, name);
    if (typeof exposed !== 'function') throw new Error(`${name} was not exposed`);
    const record = (sample: StatusSample): void => void Reflect.apply(exposed, window, [sample]);
    const last = new Map<string, string>();
    const scan = () => {
      const card = document.querySelector(`[data-testid="${cardTestId}"]`);
      if (!card) return;
      for (const row of card.querySelectorAll<HTMLElement>('li[data-testid^="invocation-"]')) {
        const id = (row.dataset['testid'] ?? '').slice('invocation-'.length);
        const progressElement = row.querySelector('progress');
        const progress = progressElement?.hasAttribute('value') ? progressElement.value : null;
        const sample = { id, status: row.dataset['status'] ?? '', progress, logLines: row.querySelectorAll('ol.log > li').length };
        const key = JSON.stringify(sample);
        if (last.get(id) === key) continue;
        last.set(id, key);
        record(sample);
      }
    };
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    scan();
  }, { cardTestId: `action-${thing}-${action}`, name });
  return samples;
}

export interface TimelineEntry {
  kind: string;
  thing: string;
  /** ms since the epoch (the recorder's time) */
  time: number;
  text: string;
}

/**
 * The timeline entries shown (newest first) from `since` on. The timeline is the whole
 * recording, shared by every test of the run, so a test looks at what it did itself.
 */
export async function timelineSince(page: Page, since: number, filter: { kind?: string; thing?: string } = {}): Promise<TimelineEntry[]> {
  const all = await page.getByTestId('timeline-entry').evaluateAll((elements) =>
    elements.map((element) => ({
      kind: element.getAttribute('data-kind') ?? '',
      thing: element.getAttribute('data-thing') ?? '',
      time: Number(element.getAttribute('data-time')),
      text: element.textContent ?? '',
    })),
  );
  return all.filter((entry) => entry.time >= since && (filter.kind === undefined || entry.kind === filter.kind) && (filter.thing === undefined || entry.thing === filter.thing));
}
