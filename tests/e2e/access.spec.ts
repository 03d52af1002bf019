import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures';
import { E2E_TOKEN } from '../../playwright.config';
import { openApp } from './helpers';

test.skip(({ transport }) => transport !== 'browser', 'browser-mode only: it is about the browser-mode token, which the desktop app does not have');

/** Another program on 127.0.0.1, on its own port: it logs what browsers send it. */
async function otherLocalServer(): Promise<{ server: Server; url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>other</title><p>another local server</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
}

test('a page on another local port gets no token and cannot use one', async ({ page, baseURL }) => {
  const other = await otherLocalServer();
  try {
    await openApp(page);
    expect(page.url()).not.toContain(E2E_TOKEN);
    // Cookies are not port-scoped: there must be none to leak.
    expect(await page.context().cookies()).toEqual([]);
    await page.goto(other.url);
    await page.goto(`${other.url}again`);
    const sent = JSON.stringify(other.seen);
    expect(other.seen.length).toBeGreaterThanOrEqual(2);
    expect(sent).not.toContain(E2E_TOKEN);
    expect(sent).not.toContain('lab_token');

    const labWs = (baseURL ?? '').replace(/^http/, 'ws');
    const attempt = (token: string) =>
      page.evaluate(
        ({ url, token: given }) =>
          new Promise<string>((resolve) => {
            const socket = new WebSocket(`${url}/ws${given ? `?token=${given}` : ''}`);
            socket.onopen = () => resolve('open');
            socket.onclose = (event) => resolve(`closed ${event.code}`);
          }),
        { url: labWs, token },
      );
    // Not readable from here (session storage is per origin, port included)…
    expect(await page.evaluate(() => sessionStorage.getItem('lab-monitor-token'))).toBeNull();
    // …and even a page that knew the token is refused: its origin is not Lab Monitor's.
    expect(await attempt('')).toBe('closed 1006');
    expect(await attempt(E2E_TOKEN)).toBe('closed 1006');
    // The same token from Lab Monitor's own page works.
    await openApp(page);
  } finally {
    await new Promise((resolve) => other.server.close(resolve));
  }
});
