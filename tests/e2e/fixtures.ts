import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron, test as base, type ElectronApplication, type TestInfo } from '@playwright/test';

export { expect } from '@playwright/test';
export type { Locator, Page } from '@playwright/test';

/**
 * How a spec reaches the app. `browser`: browser mode (the WebSocket transport) in Chromium.
 * `desktop`: the real main, preload and renderer bundles under the Electron stand-in
 * (tests/electron-stand-in) over Chromium, through Playwright's _electron.launch. `electron`:
 * the same launch against the real Electron binary (npm run test:electron, where it exists).
 */
export type Transport = 'browser' | 'desktop' | 'electron';

export interface DesktopApp {
  app: ElectronApplication;
  /** Lines the main process wrote to stdout, stderr and its console, in order. */
  log: string[];
  /** The user data folder of this run (a temporary folder). */
  userData: string;
}

export interface TransportOptions {
  transport: Transport;
}

const ROOT = resolve(__dirname, '../..');
export const STAND_IN_ELECTRON = join(ROOT, 'tests/electron-stand-in/electron');

/** The transport of the running test's project. */
export function transportOf(testInfo: TestInfo): Transport {
  const { transport } = testInfo.project.use as Partial<TransportOptions>;
  return transport ?? 'browser';
}

/** True on the desktop transports (stand-in or real Electron). */
export function isDesktop(testInfo: TestInfo): boolean {
  return transportOf(testInfo) !== 'browser';
}

async function launchDesktop(transport: Exclude<Transport, 'browser'>): Promise<DesktopApp> {
  const executablePath = transport === 'electron' ? process.env['LAB_E2E_ELECTRON'] : STAND_IN_ELECTRON;
  if (!executablePath) throw new Error('LAB_E2E_ELECTRON must name the Electron binary for the electron project (npm run test:electron sets it)');
  const userData = mkdtempSync(join(tmpdir(), 'lab-e2e-desktop-'));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && name !== 'ELECTRON_RENDERER_URL') env[name] = value;
  const app = await _electron.launch({
    executablePath,
    args: ['.', `--user-data-dir=${userData}`, '--config', 'config/instruments.json'],
    cwd: ROOT,
    env,
    timeout: 60_000,
  });
  const log: string[] = [];
  const collect = (chunk: Buffer) => log.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== ''));
  app.process().stdout?.on('data', collect);
  app.process().stderr?.on('data', collect);
  app.on('console', (message) => log.push(message.text()));
  return { app, log, userData };
}

export const test = base.extend<{ desktopLog: string[] }, TransportOptions & { desktopApp: DesktopApp | undefined }>({
  transport: ['browser', { option: true, scope: 'worker' }],

  // One desktop app per worker, shared by its tests like the browser-mode server is.
  desktopApp: [
    async ({ transport }, use) => {
      if (transport === 'browser') {
        await use(undefined);
        return;
      }
      const desktop = await launchDesktop(transport);
      await use(desktop);
      await desktop.app.close();
      rmSync(desktop.userData, { recursive: true, force: true });
      // The stand-in never hides a call: an Electron API it lacks fails the run.
      const missing = desktop.log.filter((line) => line.includes('is not implemented (tests/electron-stand-in)'));
      if (missing.length > 0) throw new Error(`the app used Electron APIs the stand-in lacks:\n${missing.join('\n')}`);
    },
    { scope: 'worker', timeout: 120_000 },
  ],

  // Browser mode: a fresh page per test. Desktop: the app's window, its storage cleared (openApp reloads it).
  page: async ({ transport, desktopApp, context }, use, testInfo) => {
    if (transport === 'browser' || desktopApp === undefined) {
      await use(await context.newPage());
      return;
    }
    const page = await desktopApp.app.firstWindow();
    // Each test starts from what the window remembers being empty, as a fresh browser context does
    // (charts, pins, theme, collapsed panels); openApp reloads the window.
    await page.evaluate(() => localStorage.clear()).catch(() => undefined);
    await use(page);
    if (testInfo.status !== testInfo.expectedStatus && !page.isClosed()) {
      await testInfo.attach('desktop window on failure', { body: await page.screenshot(), contentType: 'image/png' }).catch(() => undefined);
    }
  },

  desktopLog: async ({ desktopApp }, use) => {
    await use(desktopApp?.log ?? []);
  },
});
