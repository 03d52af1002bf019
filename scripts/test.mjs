// The one test command (README, .ci/run): unit and integration tests in Node with Vitest,
// then the end-to-end tests in Chromium with Playwright against the built app, in browser
// mode and as the desktop app through the Electron stand-in. Both always run; each writes a
// report under test-results/ (old ones are removed first, so a runner that writes nothing
// cannot be counted from a previous run), and how each runner exited goes to
// test-results/runners.json. The count line comes last.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { CHROMIUM_PATH } from './chromium.mjs';
import { ELECTRON_SKIP_REASON, electronBinary } from './electron-binary.mjs';
import { summarise, summaryLines } from './test-summary.mjs';

for (const report of ['vitest.json', 'vitest-counts.json', 'playwright.json', 'runners.json']) {
  rmSync(`test-results/${report}`, { force: true });
}
mkdirSync('test-results', { recursive: true });
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' }).status ?? 1;
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const runners = {};
const record = () => writeFileSync('test-results/runners.json', `${JSON.stringify(runners, null, 1)}\n`);

runners.vitest = run(npx, [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  '--outputFile.json=test-results/vitest.json',
  '--reporter=./scripts/vitest-count-reporter.mjs',
]);
record();
runners.build = run(npx, ['electron-vite', 'build']);
record();
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
if (runners.build === 0 && haveChromium) {
  runners.playwright = run(npx, ['playwright', 'test']);
} else {
  runners.playwright = null;
  runners.reason = runners.build !== 0 ? 'the build failed' : `no Chromium at ${CHROMIUM_PATH}`;
}
record();
console.log(electronBinary() ? 'The Electron binary is installed: `npm run test:electron` runs the same specs against it.' : ELECTRON_SKIP_REASON);

const summary = summarise('test-results');
for (const line of summaryLines(summary)) console.log(line);
process.exit(summary.failed === 0 ? 0 : 1);
