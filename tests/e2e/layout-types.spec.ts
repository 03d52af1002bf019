import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startBrowserServer, type BrowserServer } from '../../src/main/serve';
import { expect, isDesktop, test } from './fixtures';
import { LIVE_TIMEOUT, waitForApp } from './helpers';

// Two identical simulated stages on a server of this spec's own (127.0.0.1, a free port, a
// temporary data folder), so the template edited here is seen by no other spec.
let server: BrowserServer;
let dataDir: string;

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lab-e2e-layouts-'));
  server = await startBrowserServer({
    port: 0,
    token: 'layout-types-token-0123456789abcdef',
    rendererDir: resolve(__dirname, '../../out/renderer'),
    dataDir,
    instrumentConfig: {
      seed: 7,
      instruments: [
        { kind: 'stage', name: 'stage-a', updateHz: 5 },
        { kind: 'stage', name: 'stage-b', updateHz: 5 },
      ],
    },
    logger: { info: () => {}, warn: () => {}, error: () => {} },
  });
});

test.afterAll(async () => {
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('a second stage gets the layout edited on the first', async ({ page }, testInfo) => {
  // The host's templates are the same on every transport; this runs against browser mode.
  test.skip(isDesktop(testInfo), 'a spec-local browser-mode server');
  await page.goto(server.url);
  await waitForApp(page);
  await page.getByTestId('thing-stage-a').click();
  const first = page.getByTestId('thing-view-stage-a');
  await expect(first.locator('[data-kind="properties"]')).toBeVisible({ timeout: LIVE_TIMEOUT });
  await first.getByTestId('layout-edit').click();
  await first.getByTestId('add-panel-kind').selectOption('timeline');
  await first.getByTestId('add-panel-submit').click();
  // Take one value tile away too.
  const tiles = first.locator('[data-kind="value"]');
  const tileCount = await tiles.count();
  expect(tileCount).toBeGreaterThan(0);
  const firstTile = (await tiles.first().getAttribute('data-testid'))?.replace(/^panel-/, '') ?? '';
  await first.getByTestId(`panel-remove-${firstTile}`).click();
  await expect(tiles).toHaveCount(tileCount - 1);
  await first.getByTestId('layout-save').click();
  await expect(first.locator('section.layout-view')).toHaveAttribute('data-dirty', 'false');

  await page.getByTestId('thing-stage-b').click();
  const second = page.getByTestId('thing-view-stage-b');
  await expect(second.locator('[data-kind="timeline"]')).toHaveCount(1);
  await expect(second.locator('[data-kind="value"]')).toHaveCount(tileCount - 1);
  await expect(second.getByTestId(`panel-${firstTile}`)).toHaveCount(0);
  // Its panels show stage-b, not stage-a.
  await expect(second.getByTestId('properties-stage-b')).toBeVisible();

  // And it is kept: a fresh page (and the data folder) still has it.
  await page.goto(server.url);
  await waitForApp(page);
  await page.getByTestId('thing-stage-b').click();
  await expect(page.getByTestId('thing-view-stage-b').locator('[data-kind="timeline"]')).toHaveCount(1);
});
