import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.mjs';
import type { TransportOptions } from './tests/e2e/fixtures';

// The end-to-end tests run every spec on each transport (tests/e2e/fixtures.ts): `browser`
// drives the built renderer in Debian's Chromium through browser mode (the same main-process
// core, served over HTTP + WebSocket on 127.0.0.1); `desktop` runs the real built main,
// preload and renderer through the Electron stand-in (tests/electron-stand-in) over the same
// Chromium; `electron` (only with LAB_E2E_ELECTRON, see `npm run test:electron`) runs them
// against the real Electron binary.
const port = Number(process.env.LAB_E2E_PORT ?? 5199);
export const E2E_TOKEN = 'e2e-test-token-0123456789abcdef';
export const E2E_URL = `http://127.0.0.1:${port}/?token=${E2E_TOKEN}`;
export const E2E_VIEWER_TOKEN = 'e2e-viewer-token-0123456789abcdef';
export const E2E_VIEWER_URL = `http://127.0.0.1:${port}/?token=${E2E_VIEWER_TOKEN}`;

const electronBinary = process.env.LAB_E2E_ELECTRON;

export default defineConfig<TransportOptions>({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
  },
  projects: [
    { name: 'browser', use: { transport: 'browser' } },
    { name: 'desktop', use: { transport: 'desktop' } },
    ...(electronBinary ? [{ name: 'electron', use: { transport: 'electron' as const } }] : []),
  ],
  webServer: {
    command: `node out/main/serve.js --port ${port} --token ${E2E_TOKEN} --viewer-token ${E2E_VIEWER_TOKEN} --config config/instruments.json`,
    url: E2E_URL,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'pipe',
  },
});
