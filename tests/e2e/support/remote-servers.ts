import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, type Locator, type Page } from '@playwright/test';
import { E2E_URL } from '../../../playwright.config';

export { startWotServer, type WotServer } from '../../main/drivers/servers/wot-server';

/** Generous: live values and remote discovery on a busy 2-core machine. */
export const REMOTE_TIMEOUT = 30_000;

export interface GarbageServer {
  /** Root URL, e.g. http://127.0.0.1:40123/ */
  url: string;
  /** How many requests it answered. */
  requests(): number;
  close(): Promise<void>;
}

/** An HTTP server that answers every request with 200 and an HTML page: reachable, but no instrument. */
export async function startGarbageServer(): Promise<GarbageServer> {
  let count = 0;
  const server: Server = createServer((_request, response) => {
    count += 1;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>Printer</title><p>Welcome to the office printer.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? (address satisfies AddressInfo).port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests: () => count,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Opens the app and waits until the WebSocket link and the Thing list are up. */
export async function openLab(page: Page): Promise<void> {
  await page.goto(E2E_URL);
  await expect(page.getByTestId('link-status')).toHaveAttribute('data-status', 'connected', { timeout: REMOTE_TIMEOUT });
  await expect(page.getByTestId('thing-list')).toBeVisible({ timeout: REMOTE_TIMEOUT });
}

/** The number at the start of a shown value such as "23.41 °C"; NaN while none is shown. */
export function shownNumber(text: string | null): number {
  const match = /^\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)/i.exec(text ?? '');
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/** Waits until a value is shown that differs from `from` (any value when `from` is NaN), and returns it. */
export async function nextShownNumber(locator: Locator, from: number, message: string): Promise<number> {
  let value = Number.NaN;
  await expect
    .poll(
      async () => {
        value = shownNumber(await locator.textContent());
        return Number.isFinite(value) && value !== from;
      },
      { timeout: REMOTE_TIMEOUT, message },
    )
    .toBe(true);
  return value;
}

/** Ids of the invocation rows under an action card, newest first. */
export async function invocationRowIds(page: Page, thing: string, action: string): Promise<string[]> {
  const rows = page.getByTestId(`action-${thing}-${action}`).locator('li[data-testid^="invocation-"]');
  const testIds = await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-testid') ?? ''));
  return testIds.map((testId) => testId.slice('invocation-'.length));
}
