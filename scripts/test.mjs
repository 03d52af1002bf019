// The one test command (README, .ci/run): unit and integration tests in Node with Vitest,
// then the end-to-end tests in Chromium with Playwright against the built app, in browser
// mode and as the desktop app through the Electron stand-in. Both always run; each writes a JSON report under test-results/, summarised last.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { CHROMIUM_PATH } from './chromium.mjs';
import { ELECTRON_SKIP_REASON, electronBinary } from './electron-binary.mjs';
import { summarise } from './test-summary.mjs';

mkdirSync('test-results', { recursive: true });
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' }).status ?? 1;
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

const vitest = run(npx, ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest.json']);
const build = run(npx, ['electron-vite', 'build']);
const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) {
  console.error(`The end-to-end tests need Chromium at ${CHROMIUM_PATH}: install Debian's (sudo apt-get install chromium) or set CHROMIUM_PATH.`);
}
// A free port on 127.0.0.1 for the browser-mode server under test, unless one was chosen.
const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
process.env.LAB_E2E_PORT ??= String(await freePort());
// Every spec runs twice: in browser mode and in the desktop app through the Electron stand-in.
const playwright = build === 0 && haveChromium ? run(npx, ['playwright', 'test']) : 1;
console.log(electronBinary() ? 'The Electron binary is installed: `npm run test:electron` runs the same specs against it.' : ELECTRON_SKIP_REASON);

const { passed, failed } = summarise();
// A build that failed or end-to-end tests that could not start count as a failure too.
const unexplained = (build !== 0 || !haveChromium) && failed === 0 ? 1 : 0;
console.log(`${passed} passed, ${failed + unexplained} failed`);
process.exit(vitest === 0 && build === 0 && playwright === 0 && failed === 0 ? 0 : 1);
