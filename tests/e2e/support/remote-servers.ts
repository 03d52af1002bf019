import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, type Locator } from '@playwright/test';
import { parseShown } from '../helpers';

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

/** Waits until a value is shown that differs from `from` (any value when `from` is NaN), and returns it. */
export async function nextShownNumber(locator: Locator, from: number, message: string): Promise<number> {
  let value = Number.NaN;
  await expect
    .poll(
      async () => {
        value = parseShown(await locator.textContent());
        return Number.isFinite(value) && value !== from;
      },
      { timeout: REMOTE_TIMEOUT, message },
    )
    .toBe(true);
  return value;
}
